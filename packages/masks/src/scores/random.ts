import type { MaskContext } from '@prunekit/core';
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
      const s = new Float32Array(m.data.length);
      for (let i = 0; i < s.length; i++) s[i] = (rng.nextU32() >>> 8) * SCALE;
      out.set(name, s);
    }
    return out;
  },
};
