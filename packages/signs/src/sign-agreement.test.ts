import { hostTensor, Mask, type ParamInfo, resolveOptions, type Weights } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { flipFraction } from './flip-fraction.js';
import { signAgreement } from './sign-agreement.js';

const params: ParamInfo[] = [
  { name: 'l1.weight', shape: [4], prunable: true, role: 'weight', layer: 'l1', layerKind: 'dense' },
  { name: 'l2.weight', shape: [2, 2], prunable: true, role: 'weight', layer: 'l2', layerKind: 'dense' },
];
const a: Weights = new Map([
  ['l1.weight', hostTensor([4], [1, -2, 0, 3])],
  ['l2.weight', hostTensor([2, 2], [1, -1, 2, 0])],
]);
const b: Weights = new Map([
  ['l1.weight', hostTensor([4], [-1, -2, 5, 0])],
  ['l2.weight', hostTensor([2, 2], [1, 1, -2, 0])],
]);
const mask = Mask.fromRecord({
  'l1.weight': { shape: [4], data: [1, 1, 1, 0] },
  'l2.weight': { shape: [2, 2], data: [1, 1, 1, 1] },
});
const ctx = { params, a, b, mask };

describe('sign-agreement', () => {
  it('unweighted: 1 − flip fraction, per layer and overall', () => {
    const r = signAgreement.compute(ctx, resolveOptions(signAgreement, {}));
    expect(r.perLayer).toEqual({ 'l1.weight': 1 / 3, 'l2.weight': 2 / 4 });
    expect(r.value).toBe(3 / 7);
    expect(r.details).toEqual({ agreeing: 3, total: 7 });
    const flips = flipFraction.compute(ctx, {});
    expect(r.value).toBeCloseTo(1 - flips.value, 12);
  });

  it('weighted by |b|: agreement on large reference weights counts more', () => {
    // l1 kept |b| = 1, 2, 5; only i1 (weight 2) agrees → 2/8. l2 |b| = 1, 1, 2, 0; i0 and i3 agree → 1/4.
    const r = signAgreement.compute(ctx, { weightBy: 'b' });
    expect(r.perLayer).toEqual({ 'l1.weight': 2 / 8, 'l2.weight': 1 / 4 });
    expect(r.value).toBe(3 / 12);
    expect(r.details).toEqual({ agreeing: 3, total: 12 });
  });

  it('weighted by |a|', () => {
    // l1 kept |a| = 1, 2, 0; i1 agrees → 2/3. l2 |a| = 1, 1, 2, 0; i0 (1) and i3 (0) agree → 1/4.
    const r = signAgreement.compute(ctx, { weightBy: 'a' });
    expect(r.perLayer).toEqual({ 'l1.weight': 2 / 3, 'l2.weight': 1 / 4 });
    expect(r.value).toBe(3 / 7);
  });

  it('reports 1 where nothing is kept or the total weight is 0', () => {
    const m = Mask.fromRecord({
      'l1.weight': { shape: [4], data: [0, 0, 0, 0] },
      'l2.weight': { shape: [2, 2], data: [0, 0, 0, 1] },
    });
    expect(signAgreement.compute({ ...ctx, mask: m }, { weightBy: 'none' }).perLayer).toEqual({
      'l1.weight': 1,
      'l2.weight': 1,
    });
    const weighted = signAgreement.compute({ ...ctx, mask: m }, { weightBy: 'b' });
    expect(weighted.value).toBe(1);
    expect(weighted.perLayer).toEqual({ 'l1.weight': 1, 'l2.weight': 1 });
  });

  it('validates its options', () => {
    expect(() => resolveOptions(signAgreement, { weightBy: 'c' })).toThrow(/weightBy/);
  });
});
