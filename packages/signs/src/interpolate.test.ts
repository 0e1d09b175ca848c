import { hostTensor, Mask, type Weights } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { interpolate } from './interpolate.js';

const a: Weights = new Map([
  ['fc.weight', hostTensor([2, 2], [1, 2, 3, 4])],
  ['fc.bias', hostTensor([2], [1, -1])],
]);
const b: Weights = new Map([
  ['fc.weight', hostTensor([2, 2], [-3, 2, 5, 0])],
  ['fc.bias', hostTensor([2], [3, 1])],
]);
const mask = Mask.fromRecord({ 'fc.weight': { shape: [2, 2], data: [1, 0, 1, 1] } });

describe('interpolate', () => {
  it('(1 − α)·a + α·b per param, masked params multiplied by the mask', () => {
    const mid = interpolate(a, b, 0.25, mask);
    expect([...mid.get('fc.weight')!.data]).toEqual([0, 0, 3.5, 3]);
    expect([...mid.get('fc.bias')!.data]).toEqual([1.5, -0.5]);
    expect(mid.get('fc.weight')!.shape).toEqual([2, 2]);
  });

  it('returns the endpoints at α = 0 and 1, and new arrays', () => {
    const at0 = interpolate(a, b, 0);
    expect(at0).toEqual(a);
    expect(at0.get('fc.weight')!.data).not.toBe(a.get('fc.weight')!.data);
    expect(interpolate(a, b, 1)).toEqual(b);
    expect([...interpolate(a, b, 1, mask).get('fc.weight')!.data]).toEqual([-3, 0, 5, 0]);
  });

  it('names the parameter when names or shapes disagree', () => {
    expect(() => interpolate(a, new Map([['fc.weight', b.get('fc.weight')!]]), 0.5)).toThrow(
      /'fc.bias' is in 'a' but not in 'b'/,
    );
    expect(() => interpolate(new Map([['fc.weight', a.get('fc.weight')!]]), b, 0.5)).toThrow(
      /'fc.bias' is in 'b' but not in 'a'/,
    );
    const reshaped = new Map(b).set('fc.weight', hostTensor([4], [1, 2, 3, 4]));
    expect(() => interpolate(a, reshaped, 0.5)).toThrow(/'fc.weight' is \[2, 2\] in 'a' but \[4\] in 'b'/);
    const wrongMask = Mask.fromRecord({ 'fc.weight': { shape: [4], data: [1, 1, 1, 1] } });
    expect(() => interpolate(a, b, 0.5, wrongMask)).toThrow(
      /'fc.weight' is \[2, 2\] in the weights but \[4\] in the mask/,
    );
    expect(() => interpolate(a, b, Number.NaN)).toThrow(/must be finite/);
  });
});
