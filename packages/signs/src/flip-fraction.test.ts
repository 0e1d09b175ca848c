import { hostTensor, Mask, type ParamInfo, type Weights } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { flipFraction } from './flip-fraction.js';

const params: ParamInfo[] = [
  { name: 'l1.weight', shape: [4], prunable: true, role: 'weight', layer: 'l1', layerKind: 'dense' },
  { name: 'l1.bias', shape: [2], prunable: false, role: 'bias', layer: 'l1', layerKind: 'dense' },
  { name: 'l2.weight', shape: [2, 2], prunable: true, role: 'weight', layer: 'l2', layerKind: 'dense' },
];
// l1: i0 1 vs -1 flip; i1 same; i2 0 vs 5 flip (sign(0) = 0); i3 is pruned (3 vs 0 would be a flip).
// l2: i0 same; i1 -1 vs 1 flip; i2 2 vs -2 flip; i3 0 vs 0 same.
const a: Weights = new Map([
  ['l1.weight', hostTensor([4], [1, -2, 0, 3])],
  ['l1.bias', hostTensor([2], [1, 1])],
  ['l2.weight', hostTensor([2, 2], [1, -1, 2, 0])],
]);
const b: Weights = new Map([
  ['l1.weight', hostTensor([4], [-1, -2, 5, 0])],
  ['l1.bias', hostTensor([2], [-1, -1])],
  ['l2.weight', hostTensor([2, 2], [1, 1, -2, -0])],
]);
const mask = Mask.fromRecord({
  'l1.weight': { shape: [4], data: [1, 1, 1, 0] },
  'l2.weight': { shape: [2, 2], data: [1, 1, 1, 1] },
});

describe('flip-fraction', () => {
  it('counts flips per layer and overall by hand (zeros, pruned entries, unmasked bias)', () => {
    const r = flipFraction.compute({ params, a, b, mask }, {});
    expect(r.perLayer).toEqual({ 'l1.weight': 2 / 3, 'l2.weight': 2 / 4 });
    expect(r.value).toBe(4 / 7);
    expect(r.details).toEqual({ flipped: 4, compared: 7 });
  });

  it('is symmetric in a and b, and 0 against itself', () => {
    expect(flipFraction.compute({ params, a: b, b: a, mask }, {}).value).toBe(4 / 7);
    expect(flipFraction.compute({ params, a, b: a, mask }, {}).value).toBe(0);
  });

  it('counts the pruned entry once the mask keeps it', () => {
    const all = Mask.ones(params);
    const r = flipFraction.compute({ params, a, b, mask: all }, {});
    expect(r.perLayer['l1.weight']).toBe(3 / 4);
    expect(r.value).toBe(5 / 8);
  });

  it('reports 0 for a fully pruned layer and for a mask that keeps nothing', () => {
    const m = Mask.fromRecord({
      'l1.weight': { shape: [4], data: [0, 0, 0, 0] },
      'l2.weight': { shape: [2, 2], data: [0, 1, 0, 0] },
    });
    const r = flipFraction.compute({ params, a, b, mask: m }, {});
    expect(r.perLayer).toEqual({ 'l1.weight': 0, 'l2.weight': 1 });
    expect(r.value).toBe(1);
    const none = Mask.fromRecord({
      'l1.weight': { shape: [4], data: [0, 0, 0, 0] },
      'l2.weight': { shape: [2, 2], data: [0, 0, 0, 0] },
    });
    expect(flipFraction.compute({ params, a, b, mask: none }, {})).toEqual({
      value: 0,
      perLayer: { 'l1.weight': 0, 'l2.weight': 0 },
      details: { flipped: 0, compared: 0 },
    });
  });

  it('rejects options it does not know', () => {
    expect(flipFraction.schema.safeParse({ weighted: true }).success).toBe(false);
    expect(flipFraction.schema.safeParse({}).success).toBe(true);
  });
});
