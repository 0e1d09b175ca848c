import { type MaskContext, fillU32 } from '@prunekit/core';
import type { NoOptions, Score, ScoreMap } from '../types.js';

const SCALE = 2 ** -24;

/**
 * Random score: independent uniform values, so keeping the top k of a layer keeps k of its
 * surviving weights chosen uniformly at random. Seeded: drawn from
 * `ctx.rng.fork('random-score/round-<round>')` (does not advance `ctx.rng`), one draw per weight in
 * mask order, pruned or not — the same seed and round give the same scores. Values have 24 bits
 * (exact in float32); equal draws fall back to the tie rule (lower index), which affects about
 * `n / 2^24` weights of a layer of `n`.
 *
 * @example
 * ```ts
 * randomScore.score({ ...ctx, rng: createRng(1) }, {});
 * ```
 */
export const randomScore: Score<NoOptions> = {
  name: 'random',
  description: 'uniform random scores from the masks seed (random pruning)',
  reference: 'Liu et al. 2022; Gadhikar et al. 2023',
  defaults: {},
  shape: {},
  score(ctx: MaskContext): ScoreMap {
    const rng = ctx.rng.fork(`random-score/round-${ctx.round}`);
    const out: ScoreMap = new Map();
    for (const [name, m] of ctx.mask.entries()) {
      const draws = new Uint32Array(m.data.length);
      fillU32(rng, draws);
      out.set(name, uniform24(draws));
    }
    return out;
  },
};

/** The draws' top 24 bits as floats in [0, 1), in place (returns a float view of `draws`). */
function uniform24(draws: Uint32Array): Float32Array {
  const s = new Float32Array(draws.buffer, draws.byteOffset, draws.length);
  for (let i = 0; i < draws.length; i++) s[i] = (draws[i]! >>> 8) * SCALE;
  return s;
}
