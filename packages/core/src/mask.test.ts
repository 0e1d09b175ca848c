import { describe, expect, it } from 'vitest';
import { PruneError } from './errors.js';
import { Mask, countOnes } from './mask.js';
import type { ParamInfo } from './params.js';

const params: ParamInfo[] = [
  { name: 'fc1.weight', shape: [2, 3], prunable: true, role: 'weight', layer: 'fc1', layerKind: 'dense' },
  { name: 'fc1.bias', shape: [3], prunable: false, role: 'bias', layer: 'fc1', layerKind: 'dense' },
  { name: 'fc2.weight', shape: [3, 1], prunable: true, role: 'weight', layer: 'fc2', layerKind: 'dense' },
];

const m = (a: number[], b: number[]) =>
  Mask.fromRecord({ 'fc1.weight': { shape: [2, 3], data: a }, 'fc2.weight': { shape: [3, 1], data: b } });

describe('Mask', () => {
  it('ones() covers exactly the prunable params', () => {
    const ones = Mask.ones(params);
    expect(ones.names()).toEqual(['fc1.weight', 'fc2.weight']);
    expect(ones.count()).toBe(9);
    expect(ones.size()).toBe(9);
    expect(ones.density()).toBe(1);
  });

  it('counts, densities and per-layer numbers by hand', () => {
    const a = m([1, 0, 1, 0, 0, 1], [0, 1, 0]);
    expect(a.count()).toBe(4);
    expect(a.count('fc1.weight')).toBe(3);
    expect(a.density()).toBeCloseTo(4 / 9, 12);
    expect(a.layerDensity()).toEqual({ 'fc1.weight': 0.5, 'fc2.weight': 1 / 3 });
    expect(a.layerCounts()).toEqual({ 'fc1.weight': 3, 'fc2.weight': 1 });
  });

  it('intersect, union, subset and equality', () => {
    const a = m([1, 0, 1, 0, 0, 1], [0, 1, 0]);
    const b = m([1, 1, 0, 0, 0, 1], [1, 1, 0]);
    expect([...a.intersect(b).get('fc1.weight').data]).toEqual([1, 0, 0, 0, 0, 1]);
    expect([...a.union(b).get('fc2.weight').data]).toEqual([1, 1, 0]);
    expect(a.intersect(b).isSubsetOf(a)).toBe(true);
    expect(a.isSubsetOf(b)).toBe(false);
    expect(a.equals(m([1, 0, 1, 0, 0, 1], [0, 1, 0]))).toBe(true);
    expect(a.equals(b)).toBe(false);
  });

  it('rejects values other than 0 and 1, and wrong lengths', () => {
    expect(() => m([1, 0, 2, 0, 0, 1], [0, 1, 0])).toThrow(/value 2 at index 2/);
    expect(() => Mask.fromRecord({ w: { shape: [2, 2], data: [1, 1, 1] } })).toThrow(PruneError);
    // The fast check reads 4 bytes at a time: a bad value in the unaligned head, a word or the tail.
    const bytes = new Uint8Array(16).fill(1);
    const cases: [number, number, number][] = [
      [1, 1, 12],
      [6, 1, 12],
      [12, 1, 12],
      [0, 0, 16],
      [2, 2, 1],
    ];
    for (const [at, from, len] of cases) {
      const data = bytes.slice();
      data[at] = 255;
      const view = data.subarray(from, from + len);
      expect(() => new Mask([['w', { shape: [len], data: view }]])).toThrow(
        `value 255 at index ${at - from}`,
      );
    }
    expect(new Mask([['w', { shape: [12], data: bytes.subarray(1, 13) }]]).count()).toBe(12);
  });

  it('countOnes counts by hand over unaligned heads, whole words and tails', () => {
    const d = Uint8Array.of(1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1);
    expect(countOnes(d)).toBe(10);
    expect(countOnes(d.subarray(1))).toBe(9);
    expect(countOnes(d.subarray(3, 9))).toBe(5);
    expect(countOnes(d.subarray(2, 3))).toBe(0);
    expect(countOnes(new Uint8Array(0))).toBe(0);
    expect(countOnes(new Uint8Array(1001).fill(1))).toBe(1001);
  });

  it('assertMatches names missing, extra and mis-shaped entries', () => {
    const a = m([1, 0, 1, 0, 0, 1], [0, 1, 0]);
    expect(() => a.assertMatches(params)).not.toThrow();
    const other = Mask.fromRecord({
      'fc1.weight': { shape: [3, 2], data: [1, 1, 1, 1, 1, 1] },
      'x.weight': { shape: [1], data: [1] },
    });
    expect(() => other.assertMatches(params, 'other.safetensors')).toThrow(
      /other.safetensors does not fit this model: missing fc2.weight; not in the model x.weight; shape mismatch fc1.weight/,
    );
  });

  it('refuses algebra between masks of different models', () => {
    const a = m([1, 0, 1, 0, 0, 1], [0, 1, 0]);
    const b = Mask.fromRecord({ 'fc1.weight': { shape: [2, 3], data: [1, 1, 1, 1, 1, 1] } });
    expect(() => a.intersect(b)).toThrow(/has no entry 'fc2.weight'/);
  });
});
