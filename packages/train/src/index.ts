export {
  constant,
  stepDrops,
  cosine,
  linearWarmup,
  sequence,
  offset,
  roundSchedule,
  type ScheduleSpec,
} from './schedules.js';
export {
  sgd,
  adam,
  createOptimizer,
  type Optimizer,
  type SgdOptions,
  type AdamOptions,
  type OptimizerSpec,
} from './optimizers.js';
export { crossEntropy, mse, lossFor, type LossFn } from './loss.js';
export { evaluate, type EvalResult } from './evaluate.js';
export {
  trainPhase,
  deviceMask,
  applyMask,
  type TrainPhaseOptions,
  type TrainHooks,
  type StepInfo,
  type PhaseResult,
} from './loop.js';
