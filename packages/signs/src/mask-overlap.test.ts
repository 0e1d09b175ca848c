import { Mask } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { maskOverlap } from './mask-overlap.js';

const mask = (l1: number[], l2: number[]) =>
  Mask.fromRecord({ l1: { shape: [4], data: l1 }, l2: { shape: [3], data: l2 } });

describe('maskOverlap', () => {
  it('Jaccard and Hamming by hand, per layer and overall', () => {
    const o = maskOverlap(mask([1, 1, 0, 0], [1, 0, 1]), mask([1, 0, 1, 0], [1, 0, 1]));
    expect(o.perLayer.l1).toEqual({
      intersection: 1,
      union: 3,
      jaccard: 1 / 3,
      hamming: 2,
      hammingFraction: 2 / 4,
      size: 4,
    });
    expect(o.perLayer.l2).toEqual({
      intersection: 2,
      union: 2,
      jaccard: 1,
      hamming: 0,
      hammingFraction: 0,
      size: 3,
    });
    expect(o.intersection).toBe(3);
    expect(o.union).toBe(5);
    expect(o.jaccard).toBe(3 / 5);
    expect(o.hamming).toBe(2);
    expect(o.hammingFraction).toBe(2 / 7);
  });

  it('identical masks: Jaccard 1, Hamming 0; two empty masks count as identical', () => {
    const m = mask([1, 0, 0, 1], [0, 0, 0]);
    expect(maskOverlap(m, m)).toMatchObject({ jaccard: 1, hamming: 0 });
    expect(maskOverlap(m, m).perLayer.l2!.jaccard).toBe(1);
    const disjoint = maskOverlap(mask([1, 0, 0, 0], [0, 0, 0]), mask([0, 1, 0, 0], [0, 0, 0]));
    expect(disjoint).toMatchObject({ jaccard: 0, hamming: 2 });
  });

  it('is symmetric', () => {
    const a = mask([1, 1, 0, 1], [1, 0, 0]);
    const b = mask([0, 1, 1, 1], [1, 1, 0]);
    expect(maskOverlap(a, b)).toEqual(maskOverlap(b, a));
  });

  it('names the parameter when the masks do not match (E_MASK)', () => {
    const other = Mask.fromRecord({ l1: { shape: [4], data: [1, 1, 1, 1] } });
    expect(() => maskOverlap(other, mask([1, 1, 0, 0], [1, 0, 1]))).toThrow(/extra entry 'l2'/);
    const reshaped = Mask.fromRecord({
      l1: { shape: [2, 2], data: [1, 1, 1, 1] },
      l2: { shape: [3], data: [1, 1, 1] },
    });
    expect(() => maskOverlap(mask([1, 1, 0, 0], [1, 0, 1]), reshaped)).toThrow(/'l1' has shape/);
  });
});
