export {
  recipeSchema,
  resolveRecipe,
  parseRecipe,
  parseYamlObject,
  applyOverrides,
  recipeJsonSchema,
  seedsOf,
  type Recipe,
  type RecipeInput,
} from './recipe.js';
export { runId, canonicalJson, nonDefault, normalizeOptions } from './run-id.js';
export {
  RUN_FILES,
  roundFile,
  runDirectory,
  lockRunDir,
  openRun,
  lastRound,
  readJsonl,
  writeJsonl,
  readJson,
  writeJson,
  splitSnapshot,
  joinSnapshot,
} from './run-dir.js';
export { createRegistries, type Registries } from './registries.js';
export {
  runExperiment,
  resumeRun,
  checkPlugins,
  type RunOptions,
  type RunResult,
  type RunMeta,
  type RoundMetrics,
} from './runner.js';
export {
  builtinPresets,
  createPresetRegistry,
  presetRecipe,
  assertNoPlaceholders,
  deepMerge,
  SHORT_BASE,
  type Preset,
} from './presets.js';
export {
  runNeuronStudy,
  initNeuron,
  neuronStudySchema,
  type NeuronStudyOptions,
  type NeuronStudyResult,
  type NeuronTrial,
} from './neuron-study.js';
export {
  sweepSchema,
  expandSweep,
  parseSweep,
  shard,
  parseShard,
  shardFromEnv,
  runSweep,
  type SweepSpec,
  type Sweep,
  type SweepPoint,
  type ExpandSweepOptions,
  type Shard,
  type SweepRunOptions,
  type SweepPointStatus,
  type SweepRunResult,
} from './sweep.js';
export {
  findRunDirs,
  mergeRuns,
  groupReplicates,
  variantOf,
  inferPreset,
  replicateKey,
  type MergedRow,
  type MergedRun,
  type MergeResult,
  type ReplicateGroup,
  type Stat,
} from './merge.js';
