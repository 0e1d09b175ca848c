import { cloneWeights, type RewindContext, type RewindModifier, type RewindResult, z } from '@prunekit/core';
import { assertResultLayout } from './snapshot.js';

/** Options of {@link shuffleMagnitudes}: none (randomness comes from `ctx.rng`). */
export type ShuffleMagnitudesOptions = Record<string, never>;

const NAME = 'shuffle-magnitudes';

/**
 * Permute the magnitudes of the policy's weights within each layer (each prunable parameter
 * tensor), among the surviving weights only (`ctx.mask` = 1). Each position keeps its own sign;
 * only |θ| moves, so the multiset of magnitudes of every layer is preserved, pruned positions,
 * non-prunable parameters, state, optimizer and schedule are untouched. A surviving position
 * whose value is exactly 0 counts as positive.
 *
 * Put it before `with-signs` ("… with shuffled magnitudes": θ ← shuffle(|θ_k|) ⊙ sign(θ_trained)).
 * Randomness: one generator per parameter, `ctx.rng.fork('shuffle-magnitudes:' + name)`, so the
 * result depends only on the rewind seed and the parameter name (and `ctx.rng` is not advanced).
 *
 * Returns fresh buffers owned by the caller; `result` and `ctx` are not changed.
 *
 * @example
 * ```ts
 * const shuffled = await shuffleMagnitudes.modify(await weightRewind.apply(ctx, { at: '0it', replayFrom: 'start' }), ctx, {});
 * ```
 */
export const shuffleMagnitudes: RewindModifier<ShuffleMagnitudesOptions> = {
  name: NAME,
  description:
    'permute |θ| within each layer among the surviving weights (seeded by ctx.rng); signs stay in place',
  reference: 'Gadhikar & Burkholz, ICLR 2024 (IMP with learned signs and shuffled magnitudes)',
  defaults: {},
  schema: z.strictObject({}),
  modify(result: RewindResult, ctx: RewindContext): RewindResult {
    assertResultLayout(result, ctx, `rewind modifier '${NAME}'`, 'input');
    const params = cloneWeights(result.weights.params);
    for (const p of ctx.params) {
      if (!p.prunable) continue;
      const data = params.get(p.name)!.data;
      const keep = ctx.mask.get(p.name).data;
      const idx: number[] = [];
      for (let i = 0; i < keep.length; i++) if (keep[i] === 1) idx.push(i);
      const mags = idx.map((i) => Math.abs(data[i]!));
      const rng = ctx.rng.fork(`${NAME}:${p.name}`);
      for (let j = mags.length - 1; j > 0; j--) {
        const k = rng.int(j + 1);
        const t = mags[j]!;
        mags[j] = mags[k]!;
        mags[k] = t;
      }
      for (let j = 0; j < idx.length; j++) {
        const i = idx[j]!;
        data[i] = data[i]! < 0 ? -mags[j]! : mags[j]!;
      }
    }
    return {
      weights: { params, state: cloneWeights(result.weights.state) },
      optimizer:
        result.optimizer === null
          ? null
          : { ...result.optimizer, slots: cloneWeights(result.optimizer.slots) },
      schedule: result.schedule,
    };
  },
};
