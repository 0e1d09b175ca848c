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
export { runId, canonicalJson, nonDefault } from './run-id.js';
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
export { runExperiment, resumeRun, type RunOptions, type RunResult, type RoundMetrics } from './runner.js';
