export type {
  NoOptions,
  OptionShape,
  StrategyPart,
  ScoreMap,
  Score,
  LayerUnits,
  AllocationInput,
  AllocationResult,
  Allocation,
  UnitScores,
  Selection,
} from './types.js';
export { composeStrategy, type ComposeSpec, type ComposedStrategy } from './compose.js';
export { selectTopK, type Candidates } from './select.js';
export {
  DEFAULT_PRUNE_FRACTION,
  fractionTarget,
  densityTarget,
  validateTarget,
  floorFraction,
  keepCount,
  targetKeepCount,
  keepCountsOverRounds,
  exponentialSchedule,
  proportionalCounts,
  type ProportionalLayer,
} from './counts.js';
export { checkContext, maskedWeight } from './context.js';
export { loadReferenceMask, type MaskReference } from './reference.js';

export { magnitudeScore, elementwiseScore } from './scores/magnitude.js';
export { randomScore } from './scores/random.js';
export { snipScore, type SnipOptions } from './scores/snip.js';
export { synflowScore, type SynflowOptions } from './scores/synflow.js';

export { globalAllocation } from './allocations/global.js';
export { uniformAllocation } from './allocations/uniform.js';
export { erkAllocation, erkRatio, erkDensities, type ErkOptions } from './allocations/erk.js';
export { balancedAllocation } from './allocations/balanced.js';
export { matchedAllocation, type MatchedOptions } from './allocations/matched.js';
export { explicitAllocation, explicitDensities, type ExplicitOptions } from './allocations/explicit.js';

export { unstructuredSelection } from './selections/unstructured.js';
export { channelSelection, type ChannelOptions } from './selections/channel.js';

export {
  builtinScores,
  builtinAllocations,
  builtinSelections,
  createScoreRegistry,
  createAllocationRegistry,
  createSelectionRegistry,
} from './parts.js';

export { magnitudeGlobal } from './strategies/magnitude-global.js';
export { magnitudeLayerwise } from './strategies/magnitude-layerwise.js';
export { randomMatched } from './strategies/random-matched.js';
export { randomErk } from './strategies/random-erk.js';
export { randomUniform } from './strategies/random-uniform.js';
export { randomBalanced } from './strategies/random-balanced.js';
export { snip } from './strategies/snip.js';
export { synflow } from './strategies/synflow.js';
export { fromRun, type FromRunOptions } from './strategies/from-run.js';
export { structuredChannel } from './strategies/structured-channel.js';
export { explicitDensity } from './strategies/explicit-density.js';
export { builtinMaskStrategies, createMaskRegistry } from './builtins.js';

export {
  densityReport,
  intersectMasks,
  jaccard,
  hamming,
  pruneRounds,
  summarizeMasks,
  formatMaskSummary,
  type MaskComparison,
  type LayerDensity,
  type DensityReport,
  type MaskSummary,
  type MaskSummaryRow,
} from './algebra.js';

export {
  runMaskStrategyConformance,
  type ConformanceApi,
  type ConformanceCase,
  type ConformanceFactory,
} from './testing/conformance.js';
