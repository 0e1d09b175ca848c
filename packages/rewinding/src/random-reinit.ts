import {
  cloneWeights,
  PruneError,
  type RewindContext,
  type RewindModifier,
  type RewindResult,
  z,
} from '@prunekit/core';
import { assertLayout, assertResultLayout, layoutOf } from './snapshot.js';

/** Options of {@link randomReinit}. */
export type RandomReinitOptions = {
  /** Seed of the fresh initialization; default: drawn from `ctx.rng.fork('random-reinit')`. */
  readonly seed?: number | undefined;
  /**
   * `'all'` (default): every parameter and the batch-norm running stats come from the fresh
   * initialization; `'prunable'`: only the prunable weights, the rest stays as the policy left it.
   */
  readonly params: 'all' | 'prunable';
  /** `'keep'` (default): the policy's optimizer state; `'reset'`: a fresh optimizer (`null`). */
  readonly optimizer: 'keep' | 'reset';
};

const NAME = 'random-reinit';

/**
 * Random re-initialization under the mask (the lottery-ticket control of Frankle & Carbin 2019):
 * the weights are replaced by a fresh initialization `ctx.initialize(seed)` (the model's own init
 * rule); the runner then multiplies by the new mask. The schedule is the policy's.
 *
 * Needs `ctx.initialize`; throws `E_RECIPE` naming the fix if the runner did not provide it.
 * Returns fresh buffers owned by the caller; `result` and `ctx` are not changed.
 *
 * @example
 * ```ts
 * const next = await randomReinit.modify(await weightRewind.apply(ctx, { at: '0it', replayFrom: 'start' }), ctx,
 *   { params: 'all', optimizer: 'keep' });
 * ```
 */
export const randomReinit: RewindModifier<RandomReinitOptions> = {
  name: NAME,
  description: 'replace the weights by a fresh initialization ctx.initialize(seed) under the mask',
  reference: 'Frankle & Carbin, ICLR 2019 (random reinitialization control)',
  defaults: { params: 'all', optimizer: 'keep' },
  schema: z.strictObject({
    seed: z.number().int().min(0).optional(),
    params: z.enum(['all', 'prunable']),
    optimizer: z.enum(['keep', 'reset']),
  }),
  modify(result: RewindResult, ctx: RewindContext, options: RandomReinitOptions): RewindResult {
    const who = `rewind modifier '${NAME}'`;
    assertResultLayout(result, ctx, who, 'input');
    if (!ctx.initialize) {
      throw new PruneError(
        'E_RECIPE',
        `${who} needs ctx.initialize (a fresh initialization from a seed), and the runner did not provide it`,
        {
          hint: "give the rewind context initialize: (seed) => { model.reinitialize(seed); return model.snapshot(); } or drop 'random-reinit' from the recipe",
        },
      );
    }
    const seed = options.seed ?? ctx.rng.fork(NAME).nextU32();
    const fresh = ctx.initialize(seed);
    assertLayout(fresh.params, ctx.params, `ctx.initialize(${seed}).params`, who);
    assertLayout(fresh.state, layoutOf(ctx.trained.state), `ctx.initialize(${seed}).state`, who);
    const params = cloneWeights(result.weights.params);
    for (const p of ctx.params) {
      if (options.params === 'all' || p.prunable) params.set(p.name, copy(fresh.params.get(p.name)!));
    }
    const state = options.params === 'all' ? cloneWeights(fresh.state) : cloneWeights(result.weights.state);
    return {
      weights: { params, state },
      optimizer:
        options.optimizer === 'reset' || result.optimizer === null
          ? null
          : { ...result.optimizer, slots: cloneWeights(result.optimizer.slots) },
      schedule: result.schedule,
    };
  },
};

function copy(t: { readonly shape: readonly number[]; readonly data: Float32Array }) {
  return { shape: [...t.shape], data: t.data.slice() };
}
