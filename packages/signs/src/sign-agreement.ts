import { type SignMetric, type SignReport, z } from '@prunekit/core';
import { signInputs } from './sign-inputs.js';
import { signOf } from './signs-of.js';

/**
 * Options of `sign-agreement`. `weightBy`: `'none'` counts every kept weight once (agreement =
 * 1 − flip fraction); `'a'` or `'b'` weights each kept position by |a_i| or |b_i|, so agreement on
 * large weights counts more (pass the reference run as the side to weight by).
 */
export type SignAgreementOptions = { readonly weightBy: 'none' | 'a' | 'b' };

/**
 * `sign-agreement`: how much the sign pattern of `a` agrees with a reference `b` on the kept weights.
 * Unweighted it is #{i : m_i = 1, sign(a_i) = sign(b_i)} / #{i : m_i = 1} = 1 − flip fraction;
 * with `weightBy: 'a' | 'b'` it is Σ m_i w_i [sign(a_i) = sign(b_i)] / Σ m_i w_i with w = |a| or |b|.
 *
 * Same conventions as `flip-fraction`: sign(0) = 0, masked-out weights are ignored; a parameter with
 * no kept weight (or zero total weight) reports 1 (nothing disagrees). `perLayer` is keyed by
 * parameter name; `details`: `agreeing` and `total` (counts, or summed magnitudes when weighted).
 *
 * @example
 * ```ts
 * // IMP's rewound weights vs LRR's trained weights, weighted by LRR's magnitudes
 * signAgreement.compute({ params, a: impRewound, b: lrrTrained, mask }, { weightBy: 'b' }).value;
 * ```
 */
export const signAgreement: SignMetric<SignAgreementOptions> = {
  name: 'sign-agreement',
  description:
    'fraction of kept weights whose sign agrees with a reference (1 − flip fraction), optionally magnitude-weighted',
  reference: 'Gadhikar & Burkholz, Masks, Signs, and Learning Rate Rewinding, ICLR 2024',
  defaults: { weightBy: 'none' },
  schema: z.object({ weightBy: z.enum(['none', 'a', 'b']) }).strict(),
  compute(ctx, options): SignReport {
    const weightBy = options?.weightBy ?? 'none';
    const perLayer: Record<string, number> = {};
    let agreeing = 0;
    let total = 0;
    for (const { name, a, b, mask } of signInputs(ctx)) {
      const weightOf = weightBy === 'a' ? a : weightBy === 'b' ? b : undefined;
      let agree = 0;
      let sum = 0;
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] === 0) continue;
        const w = weightOf ? Math.abs(weightOf[i]!) : 1;
        sum += w;
        if (signOf(a[i]!) === signOf(b[i]!)) agree += w;
      }
      perLayer[name] = sum === 0 ? 1 : agree / sum;
      agreeing += agree;
      total += sum;
    }
    return { value: total === 0 ? 1 : agreeing / total, perLayer, details: { agreeing, total } };
  },
};
