import type { Mask } from '@prunekit/core';

/** Overlap numbers of one parameter (or of the whole mask). */
export interface OverlapCounts {
  /** Weights kept by both masks. */
  readonly intersection: number;
  /** Weights kept by at least one mask. */
  readonly union: number;
  /** |a ∩ b| / |a ∪ b|; 1 when both masks keep nothing. */
  readonly jaccard: number;
  /** Positions where the masks differ (Hamming distance). */
  readonly hamming: number;
  /** Hamming distance divided by the number of positions; 0 for an empty parameter. */
  readonly hammingFraction: number;
  /** Number of positions compared. */
  readonly size: number;
}

/** {@link maskOverlap}'s result: overall numbers plus the same numbers per parameter. */
export interface MaskOverlap extends OverlapCounts {
  readonly perLayer: Readonly<Record<string, OverlapCounts>>;
}

/**
 * Jaccard index and Hamming distance between two masks, overall and per parameter: between the
 * masks of two rounds of one run, or between two runs (IMP vs LRR). The masks must cover the same
 * parameters with the same shapes (`E_MASK` otherwise, naming the parameter). A plain function rather
 * than a `SignMetric`, because it compares masks, not weights. Host-only, no tensors.
 *
 * @example
 * ```ts
 * const o = maskOverlap(impMask, lrrMask);
 * o.jaccard;                        // 1 = identical kept sets
 * o.perLayer['fc1.weight'].hamming; // positions where that layer's masks differ
 * ```
 */
export function maskOverlap(a: Mask, b: Mask): MaskOverlap {
  a.assertCompatible(b, 'the second mask');
  const perLayer: Record<string, OverlapCounts> = {};
  let intersection = 0;
  let union = 0;
  let size = 0;
  for (const [name, ta] of a.entries()) {
    const da = ta.data;
    const db = b.get(name).data;
    let inter = 0;
    let uni = 0;
    for (let i = 0; i < da.length; i++) {
      inter += da[i]! & db[i]!;
      uni += da[i]! | db[i]!;
    }
    perLayer[name] = counts(inter, uni, da.length);
    intersection += inter;
    union += uni;
    size += da.length;
  }
  return { ...counts(intersection, union, size), perLayer };
}

function counts(intersection: number, union: number, size: number): OverlapCounts {
  const hamming = union - intersection;
  return {
    intersection,
    union,
    jaccard: union === 0 ? 1 : intersection / union,
    hamming,
    hammingFraction: size === 0 ? 0 : hamming / size,
    size,
  };
}
