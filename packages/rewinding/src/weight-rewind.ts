import {
  parseStep,
  PruneError,
  type RewindContext,
  type RewindPolicy,
  type RewindResult,
  type StepString,
  z,
} from '@prunekit/core';
import { stepStringSchema } from './schemas.js';
import { assertRewindContext, cloneOptimizerState, cloneSnapshot } from './snapshot.js';

/** Options of {@link weightRewind}. */
export type WeightRewindOptions = {
  /**
   * The rewind point k of the first training run, e.g. `"0it"` (the original lottery ticket) or
   * `"10ep"` (the paper: end of warm-up). Unset (the default), the policy rewinds to whatever
   * anchor the runner saved (`rewind.anchor` in a recipe, the end of warm-up by default); set, the
   * runner saves the anchor at this step.
   */
  readonly at?: StepString | undefined;
  /**
   * Where the per-round learning-rate schedule restarts. `'start'` (default, as in the paper: "the
   * learning-rate schedule starts over"): from step 0 of the per-round schedule. `'anchor'`: from
   * `ctx.anchorStep`, for setups whose per-round schedule is a replay of the first run's schedule
   * (Frankle et al. 2020 replay the dense run's schedule from step k).
   */
  readonly replayFrom: 'anchor' | 'start';
};

const NAME = 'weight-rewind';

/**
 * IMP's weight rewinding: after pruning, every parameter (surviving weights, biases, batch-norm
 * affine params) and the batch-norm running statistics go back to the anchor θ_k, the optimizer
 * state (momentum) goes back to the anchor's, and the learning-rate schedule restarts.
 *
 * Returns fresh buffers owned by the caller; `ctx` is not changed. The weights are not masked
 * here (the runner multiplies by `ctx.mask`; `applyRewind` does too).
 *
 * If `at` is given in iterations (`"500it"`) it must equal `ctx.anchorStep`, else `E_RECIPE`: the
 * anchor the runner saved is not the one the recipe asks for. Epoch values cannot be checked here.
 *
 * @example
 * ```ts
 * const next = await weightRewind.apply(ctx, { at: '0it', replayFrom: 'start' });
 * next.schedule; // { kind: 'restart', fromStep: 0 }
 * ```
 */
export const weightRewind: RewindPolicy<WeightRewindOptions> = {
  name: NAME,
  description:
    'IMP: weights, BN params and running stats, and momentum ← the anchor θ_k; the LR schedule restarts',
  reference: 'Frankle & Carbin 2019; Frankle et al. 2020 (rewinding to step k)',
  defaults: { replayFrom: 'start' },
  schema: z.strictObject({ at: stepStringSchema.optional(), replayFrom: z.enum(['anchor', 'start']) }),
  apply(ctx: RewindContext, options: WeightRewindOptions): RewindResult {
    const who = `rewind policy '${NAME}'`;
    assertRewindContext(ctx, who);
    const at = options.at === undefined ? undefined : parseStep(options.at, 'options.at');
    if (at && at.unit === 'it' && at.value !== ctx.anchorStep) {
      throw new PruneError(
        'E_RECIPE',
        `${who}: options.at is '${options.at}' but the anchor was saved at iteration ${ctx.anchorStep} (ctx.anchorStep)`,
        {
          hint: 'the runner must save the anchor at options.at; re-run the dense phase or set at to the saved step',
        },
      );
    }
    return {
      weights: cloneSnapshot(ctx.anchor),
      optimizer: cloneOptimizerState(ctx.optimizer.anchor),
      schedule: { kind: 'restart', fromStep: options.replayFrom === 'anchor' ? ctx.anchorStep : 0 },
    };
  },
};
