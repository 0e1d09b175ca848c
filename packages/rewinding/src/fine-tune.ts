import { type RewindContext, type RewindPolicy, type RewindResult, type StepString, z } from '@prunekit/core';
import { stepStringSchema } from './schemas.js';
import { assertRewindContext, cloneOptimizerState, cloneSnapshot } from './snapshot.js';

/** Options of {@link fineTune}. */
export type FineTuneOptions = {
  /** How long to fine-tune after each pruning step; default: the round length of the recipe. */
  readonly length?: StepString | undefined;
  /** The constant learning rate; `'last'` (default): the final LR of the round that just ended. */
  readonly lr: number | 'last';
};

const NAME = 'fine-tune';

/**
 * Fine-tuning (FT): nothing is reset. Weights, batch-norm state and momentum carry over, and
 * training continues at a constant learning rate (by default the small final LR of the round).
 *
 * Returns fresh buffers owned by the caller; `ctx` is not changed.
 *
 * @example
 * ```ts
 * const next = await fineTune.apply(ctx, { lr: 'last', length: '5ep' });
 * next.schedule; // { kind: 'constant', lr: 'last', length: '5ep' }
 * ```
 */
export const fineTune: RewindPolicy<FineTuneOptions> = {
  name: NAME,
  description: 'FT: nothing is reset; train on at a constant (by default the last) learning rate',
  reference: 'Han et al. 2015; Renda, Frankle & Carbin 2020 (baseline)',
  defaults: { lr: 'last' },
  schema: z.strictObject({
    length: stepStringSchema.optional(),
    lr: z.union([z.number().positive().finite(), z.literal('last')]),
  }),
  apply(ctx: RewindContext, options: FineTuneOptions): RewindResult {
    assertRewindContext(ctx, `rewind policy '${NAME}'`);
    return {
      weights: cloneSnapshot(ctx.trained),
      optimizer: cloneOptimizerState(ctx.optimizer.trained),
      schedule:
        options.length === undefined
          ? { kind: 'constant', lr: options.lr }
          : { kind: 'constant', lr: options.lr, length: options.length },
    };
  },
};
