export { weightRewind, type WeightRewindOptions } from './weight-rewind.js';
export { lrRewind, type LrRewindOptions } from './lr-rewind.js';
export { fineTune, type FineTuneOptions } from './fine-tune.js';
export { bnRewind, type BnRewindOptions } from './bn-rewind.js';
export { withSigns, type WithSignsOptions, type SignSource, type RunSignSource } from './with-signs.js';
export { shuffleMagnitudes, type ShuffleMagnitudesOptions } from './shuffle-magnitudes.js';
export { randomReinit, type RandomReinitOptions } from './random-reinit.js';
export {
  builtinRewindPolicies,
  builtinRewindModifiers,
  createRewindRegistry,
  createModifierRegistry,
} from './registry.js';
export { applyRewind, type ModifierStep } from './apply.js';
export {
  composeRewind,
  rewindPlanSchema,
  type RewindPlan,
  type RewindPlanModifier,
  type ComposedRewind,
  type ComposeRewindOptions,
} from './plan.js';
export {
  impPlan,
  lrrPlan,
  fineTunePlan,
  lrrBnRewindPlan,
  impWithLrrSignsPlan,
  impWithOwnSignsPlan,
  impShuffledMagnitudesPlan,
  lrrInitialSignsPlan,
  randomReinitPlan,
  paperVariants,
  type PaperVariant,
} from './paper.js';
export {
  cloneSnapshot,
  cloneOptimizerState,
  assertLayout,
  layoutOf,
  assertOptimizerSlots,
  assertRewindContext,
  assertResultLayout,
  maskResult,
  slotParam,
  type TensorLayout,
} from './snapshot.js';
export { stepStringSchema } from './schemas.js';
export {
  runRewindConformance,
  type ConformanceApi,
  type ConformanceExpect,
  type RewindConformanceOptions,
} from './conformance.js';
export {
  rewindFixture,
  FIXTURE_PARAMS,
  FIXTURE_VALUES,
  FIXTURE_LRR_RUN,
  type RewindFixtureOptions,
} from './fixture.js';
