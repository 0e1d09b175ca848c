import { type RewindContext, type RewindPolicy, type RewindResult, z } from '@prunekit/core';
import { assertRewindContext, cloneOptimizerState, cloneSnapshot } from './snapshot.js';

/** Options of {@link lrRewind}: none. */
export type LrRewindOptions = Record<string, never>;

const NAME = 'lr-rewind';

/**
 * Learning-rate rewinding (LRR): only the learning-rate schedule restarts (from step 0 of the
 * per-round schedule). Weights, batch-norm params and running stats, and the optimizer state
 * (momentum) carry over from the end of the round.
 *
 * Returns fresh buffers owned by the caller; `ctx` is not changed.
 *
 * @example
 * ```ts
 * const next = await lrRewind.apply(ctx, {});
 * next.schedule; // { kind: 'restart', fromStep: 0 }
 * ```
 */
export const lrRewind: RewindPolicy<LrRewindOptions> = {
  name: NAME,
  description: 'LRR: only the LR schedule restarts; weights, BN state and momentum carry over',
  reference: 'Renda, Frankle & Carbin, ICLR 2020',
  defaults: {},
  schema: z.strictObject({}),
  apply(ctx: RewindContext): RewindResult {
    assertRewindContext(ctx, `rewind policy '${NAME}'`);
    return {
      weights: cloneSnapshot(ctx.trained),
      optimizer: cloneOptimizerState(ctx.optimizer.trained),
      schedule: { kind: 'restart', fromStep: 0 },
    };
  },
};
