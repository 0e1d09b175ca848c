export { signOf, signsOf } from './signs-of.js';
export { signInputs, type SignInput } from './sign-inputs.js';
export { flipFraction, type FlipFractionOptions } from './flip-fraction.js';
export { signAgreement, type SignAgreementOptions } from './sign-agreement.js';
export { builtinSignMetrics, createSignMetricRegistry } from './registry.js';
export { maskOverlap, type MaskOverlap, type OverlapCounts } from './mask-overlap.js';
export {
  SignSwitchTracker,
  MAX_FLIP_COUNT,
  type EpochFlips,
  type LayerSwitchSummary,
  type SignSwitchSummary,
  type SignSwitchTrackerState,
} from './sign-switch-tracker.js';
export { flipCounts, type FlipCounts } from './flip-counts.js';
export {
  perturbSigns,
  DEFAULT_FLIP_PROBABILITY,
  type PerturbSignsOptions,
  type PerturbSignsResult,
} from './perturb-signs.js';
export {
  signPerturbationHook,
  DEFAULT_PERTURBATION_EVERY,
  type SignPerturbationHook,
  type SignPerturbationHookOptions,
} from './sign-perturbation-hook.js';
export { fixedSignProjection, type FixedSignProjection } from './fixed-sign-projection.js';
export { interpolate } from './interpolate.js';
export {
  linearModeConnectivity,
  DEFAULT_ALPHAS,
  type LinearModeConnectivityOptions,
  type LmcEvaluation,
  type LmcPoint,
  type LmcReport,
} from './linear-mode-connectivity.js';
export {
  runSignMetricConformance,
  conformanceFixture,
  type ConformanceDescribe,
  type ConformanceExpect,
  type ConformanceIt,
  type SignMetricConformanceOptions,
} from './conformance.js';
