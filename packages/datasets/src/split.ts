import { PruneError } from '@prunekit/core';
import { createRng } from '@prunekit/tensor';
import { shuffleInPlace } from './order.js';

/**
 * How many of `n` training examples a `validation` option holds out: `0` none, a fraction in
 * `(0, 1)` rounds `validation · n`, a whole number `≥ 1` is a count. At least one training example
 * must remain; otherwise `E_RECIPE`.
 *
 * @example
 * ```ts
 * validationCount(1000, 0.1); // 100
 * validationCount(1000, 50);  // 50
 * ```
 */
export function validationCount(n: number, validation: number): number {
  if (!Number.isFinite(validation) || validation < 0 || (validation >= 1 && !Number.isInteger(validation))) {
    throw new PruneError(
      'E_RECIPE',
      `validation must be 0, a fraction in (0, 1) or a whole count ≥ 1, got ${validation}`,
      { hint: 'e.g. validation: 0.1 (10% of train) or validation: 5000' },
    );
  }
  const k = validation < 1 ? Math.round(validation * n) : validation;
  if (k >= n && k > 0) {
    throw new PruneError(
      'E_RECIPE',
      `validation holds out ${k} of ${n} training examples; at least one must remain for training`,
      {
        hint: 'choose a smaller validation fraction or count',
      },
    );
  }
  return k;
}

/** The positions (into the original training set) of the train and validation parts. */
export interface HoldOut {
  /** Positions that stay in train, ascending. */
  readonly train: Uint32Array;
  /** Held-out positions, ascending. */
  readonly validation: Uint32Array;
}

/**
 * Split `0..n-1` into train and a held-out validation part, chosen uniformly at random by a
 * generator derived from `seed` (`createRng(seed).fork('validation')`). Both parts keep the
 * original order. The same `(n, validation, seed)` always gives the same split.
 *
 * @example
 * ```ts
 * const { train, validation } = holdOut(10, 0.2, 0); // 8 and 2 positions, disjoint
 * ```
 */
export function holdOut(n: number, validation: number, seed: number): HoldOut {
  const k = validationCount(n, validation);
  if (k === 0) {
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return { train: all, validation: new Uint32Array(0) };
  }
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  shuffleInPlace(perm, createRng(seed).fork('validation'));
  const held = new Uint8Array(n);
  for (let i = 0; i < k; i++) held[perm[i]!] = 1;
  const train = new Uint32Array(n - k);
  const val = new Uint32Array(k);
  let t = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    if (held[i]) val[v++] = i;
    else train[t++] = i;
  }
  return { train, validation: val };
}
