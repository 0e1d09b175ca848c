export { PruneError, ERROR_CODES, exitCodeOf, isPruneError, type PruneErrorCode } from './errors.js';
export { Registry, type Named } from './registry.js';
export { parseStep, formatStep, toIterations, type Step, type StepString } from './step.js';
export { sizeOf, sameShape, hostTensor, cloneWeights, type HostTensor, type Weights } from './host.js';
export type {
  ParamInfo,
  ParamRole,
  LayerKind,
  StateInfo,
  ModelSnapshot,
  ParamStore,
  PrunableModel,
  Task,
} from './params.js';
export { Mask, type MaskTensor, countOnes } from './mask.js';
export type { Rng, RngState } from './rng.js';
export { fillU32 } from './rng.js';
export type { Batch, BatchOptions, Dataset, Split } from './dataset.js';
export { resolveOptions, type Plugin } from './plugin.js';
export type {
  RoundWeights,
  RunReader,
  RunResolver,
  PruneTarget,
  MaskContext,
  MaskStrategy,
  OptimizerState,
  ScheduleDirective,
  RewindContext,
  RewindResult,
  RewindPolicy,
  RewindModifier,
  SignMetricContext,
  SignReport,
  SignMetric,
  LrSchedule,
} from './contracts.js';
export { noopSink, type EventSink, type PrunekitEvent } from './events.js';
/** zod 4, re-exported so plugin packages write option schemas against the same copy core's `Plugin` is typed with. */
export { z } from 'zod';
export { writeFileAtomic, canonicalJson } from './atomic.js';
export { SEED_FIELDS, seedlessJson } from './replicates.js';
