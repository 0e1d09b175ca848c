import { hostTensor, Mask, PruneError } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { signOf, signsOf } from './signs-of.js';

describe('signOf', () => {
  it('is 1, -1 or 0; -0 and NaN count as 0', () => {
    expect([2, -0.5, 0, -0, Number.NaN, 1e-30, -1e-30].map(signOf)).toEqual([1, -1, 0, 0, 0, 1, -1]);
  });
});

describe('signsOf', () => {
  const w = new Map([
    ['fc.weight', hostTensor([2, 2], [2, 0, -5, 0.1])],
    ['fc.bias', hostTensor([2], [-1, 3])],
  ]);

  it('maps every parameter to -1/0/1 without a mask', () => {
    const s = signsOf(w);
    expect([...s.keys()]).toEqual(['fc.weight', 'fc.bias']);
    expect([...s.get('fc.weight')!.data]).toEqual([1, 0, -1, 1]);
    expect(s.get('fc.weight')!.shape).toEqual([2, 2]);
    expect([...s.get('fc.bias')!.data]).toEqual([-1, 1]);
  });

  it('with a mask: only masked params, pruned entries get 0', () => {
    const mask = Mask.fromRecord({ 'fc.weight': { shape: [2, 2], data: [1, 1, 0, 1] } });
    const s = signsOf(w, mask);
    expect([...s.keys()]).toEqual(['fc.weight']);
    expect([...s.get('fc.weight')!.data]).toEqual([1, 0, 0, 1]);
  });

  it('names a masked param the weights lack (E_SHAPE)', () => {
    const mask = Mask.fromRecord({ 'fc2.weight': { shape: [1], data: [1] } });
    expect(() => signsOf(w, mask)).toThrow(PruneError);
    expect(() => signsOf(w, mask)).toThrow(/'fc2.weight'/);
  });
});
