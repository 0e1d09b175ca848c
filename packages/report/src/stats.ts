/** Summary of one quantity over seeds. */
export interface Stats {
  readonly mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single value. */
  readonly std: number;
  readonly min: number;
  readonly max: number;
  /** How many finite values went in. */
  readonly n: number;
}

/**
 * Mean, sample standard deviation, min and max of the finite values (NaN, ±∞ and `undefined`
 * are left out); `undefined` when none is left.
 *
 * @example
 * ```ts
 * summarize([0.8, 0.9]); // { mean: 0.85, std: 0.0707…, min: 0.8, max: 0.9, n: 2 }
 * ```
 */
export function summarize(values: readonly (number | undefined)[]): Stats | undefined {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return undefined;
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, min: Math.min(...xs), max: Math.max(...xs), n };
}
