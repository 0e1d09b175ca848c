import { type SignMetric, type SignReport, z } from '@prunekit/core';
import { countSignFlips } from '@prunekit/tensor';
import { signInputs } from './sign-inputs.js';
import type { signOf } from './signs-of.js';

/** `flip-fraction` takes no options. */
export type FlipFractionOptions = Record<string, never>;

/**
 * `flip-fraction`: the fraction of kept weights whose sign differs between checkpoints `a` and `b`,
 * #{i : m_i = 1, sign(a_i) ≠ sign(b_i)} / #{i : m_i = 1}, overall and per masked parameter
 * (`perLayer` is keyed by parameter name).
 *
 * Conventions: sign(0) = 0 (see {@link signOf}), so 0 against a non-zero value is a flip and 0
 * against 0 is not; masked-out weights are never looked at; a parameter (or a whole mask) with no
 * kept weight reports 0. `details`: `flipped` and `compared` counts, overall. Host-only, no tensors.
 *
 * @example
 * ```ts
 * const r = flipFraction.compute({ params, a: anchor.params, b: trained.params, mask }, {});
 * r.value;                     // e.g. 0.12
 * r.perLayer['conv1.weight'];  // that layer's flip fraction
 * ```
 */
export const flipFraction: SignMetric<FlipFractionOptions> = {
  name: 'flip-fraction',
  description: 'fraction of kept weights whose sign differs between two checkpoints (per layer and overall)',
  reference: 'Gadhikar & Burkholz, Masks, Signs, and Learning Rate Rewinding, ICLR 2024',
  defaults: {},
  schema: z.object({}).strict(),
  compute(ctx): SignReport {
    const perLayer: Record<string, number> = {};
    let flipped = 0;
    let compared = 0;
    for (const { name, a, b, mask } of signInputs(ctx)) {
      // One SIMD pass per parameter (@prunekit/tensor): same counts as comparing signOf(a[i]) and
      // signOf(b[i]) at every kept i.
      const { flipped: f, compared: c } = countSignFlips(a, b, mask);
      perLayer[name] = c === 0 ? 0 : f / c;
      flipped += f;
      compared += c;
    }
    return { value: compared === 0 ? 0 : flipped / compared, perLayer, details: { flipped, compared } };
  },
};
