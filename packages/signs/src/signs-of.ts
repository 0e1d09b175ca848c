import type { HostTensor, Mask, Weights } from '@prunekit/core';
import { maskedValues } from './sign-inputs.js';

/**
 * The sign of a number as every metric in this package uses it: `1` for positive, `-1` for
 * negative, `0` for zero (including `-0`) and for `NaN`. Because sign(0) = 0, a weight that is
 * exactly zero in one checkpoint and non-zero in the other counts as a flip; zero against zero does
 * not.
 *
 * @example
 * ```ts
 * signOf(-0.3); // -1
 * signOf(0);    // 0
 * ```
 */
export function signOf(x: number): -1 | 0 | 1 {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

/**
 * The sign pattern of a weight set: a new host tensor of -1/0/1 (float32) per parameter, following
 * {@link signOf}. With a `mask`, only the masked parameters are returned and pruned entries get
 * sign 0 (so a projection with these signs keeps pruned weights at zero). The caller owns the result.
 *
 * @example
 * ```ts
 * const s = signsOf(new Map([['w', hostTensor([3], [2, 0, -5])]]));
 * s.get('w')!.data; // Float32Array [1, 0, -1]
 * ```
 */
export function signsOf(weights: ReadonlyMap<string, HostTensor>, mask?: Mask): Weights {
  const out: Weights = new Map();
  if (mask) {
    for (const [name, m] of mask.entries()) {
      const v = maskedValues(weights, name, m.shape, 'the weights');
      const s = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) s[i] = m.data[i] ? signOf(v[i]!) : 0;
      out.set(name, { shape: [...m.shape], data: s });
    }
    return out;
  }
  for (const [name, t] of weights) {
    const s = new Float32Array(t.data.length);
    for (let i = 0; i < s.length; i++) s[i] = signOf(t.data[i]!);
    out.set(name, { shape: [...t.shape], data: s });
  }
  return out;
}
