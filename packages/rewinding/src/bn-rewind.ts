import { cloneWeights, type RewindContext, type RewindPolicy, type RewindResult, z } from '@prunekit/core';
import { assertRewindContext, cloneOptimizerState } from './snapshot.js';

/** Options of {@link bnRewind}: none. */
export type BnRewindOptions = Record<string, never>;

const NAME = 'bn-rewind';

/**
 * LRR + batch-norm rewind: the batch-norm affine params (parameters with role `'bn-gamma'` or
 * `'bn-beta'`) and all running statistics (`ctx.*.state`) go back to the anchor θ_k; every other
 * parameter keeps its trained value; the learning-rate schedule restarts from step 0.
 *
 * Momentum is **kept** (the end-of-round optimizer state carries over, also for the rewound
 * batch-norm params), as in LRR: only the named batch-norm tensors are reset. Combine with your
 * own modifier if you want the BN momentum slots reset as well.
 *
 * Returns fresh buffers owned by the caller; `ctx` is not changed.
 *
 * @example
 * ```ts
 * const next = await bnRewind.apply(ctx, {});
 * next.weights.params.get('bn1.gamma'); // = ctx.anchor's bn1.gamma
 * ```
 */
export const bnRewind: RewindPolicy<BnRewindOptions> = {
  name: NAME,
  description:
    'LRR + BN rewind: BN gamma/beta and running stats ← the anchor; weights and momentum kept; LR restarts',
  reference: 'Gadhikar & Burkholz, ICLR 2024 (arXiv 2402.19262)',
  defaults: {},
  schema: z.strictObject({}),
  apply(ctx: RewindContext): RewindResult {
    assertRewindContext(ctx, `rewind policy '${NAME}'`);
    const params = cloneWeights(ctx.trained.params);
    for (const p of ctx.params) {
      if (p.role !== 'bn-gamma' && p.role !== 'bn-beta') continue;
      const a = ctx.anchor.params.get(p.name)!;
      params.set(p.name, { shape: [...a.shape], data: a.data.slice() });
    }
    return {
      weights: { params, state: cloneWeights(ctx.anchor.state) },
      optimizer: cloneOptimizerState(ctx.optimizer.trained),
      schedule: { kind: 'restart', fromStep: 0 },
    };
  },
};
