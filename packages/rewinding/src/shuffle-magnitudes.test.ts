import {
  hostTensor,
  Mask,
  type ParamInfo,
  type RewindContext,
  type RewindResult,
  type Weights,
} from '@prunekit/core';
import { createRng } from '@prunekit/tensor';
import { describe, expect, it } from 'vitest';
import { rewindFixture } from './fixture.js';
import { shuffleMagnitudes } from './shuffle-magnitudes.js';
import { values } from './test-utils.js';

const params: ParamInfo[] = [
  { name: 'a.weight', shape: [4, 5], prunable: true, role: 'weight', layer: 'a', layerKind: 'dense' },
  { name: 'a.bias', shape: [5], prunable: false, role: 'bias', layer: 'a', layerKind: 'dense' },
  { name: 'b.weight', shape: [10], prunable: true, role: 'weight', layer: 'b', layerKind: 'dense' },
];
// a: magnitudes 1..20 with alternating signs; b: 101..110 with signs - + - + …
const aValues = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i + 1));
const bValues = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? -1 : 1) * (101 + i));
const aMask = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 0 : 1));
const bMask = [1, 1, 0, 1, 1, 1, 1, 0, 1, 1];

function setup(seed: number): { ctx: RewindContext; result: RewindResult } {
  const w: Weights = new Map([
    ['a.weight', hostTensor([4, 5], aValues)],
    ['a.bias', hostTensor([5], [1, 2, 3, 4, 5])],
    ['b.weight', hostTensor([10], bValues)],
  ]);
  const snap = { params: w, state: new Map() };
  const ctx: RewindContext = {
    ...rewindFixture(),
    params,
    mask: Mask.fromRecord({
      'a.weight': { shape: [4, 5], data: aMask },
      'b.weight': { shape: [10], data: bMask },
    }),
    trained: snap,
    anchor: snap,
    init: snap,
    rng: createRng(seed),
  };
  return { ctx, result: { weights: snap, optimizer: null, schedule: { kind: 'restart', fromStep: 0 } } };
}

const kept = (data: number[], mask: number[]) => data.filter((_, i) => mask[i] === 1);
const sortedAbs = (xs: number[]) => xs.map(Math.abs).sort((x, y) => x - y);

describe('shuffle-magnitudes', () => {
  it('permutes magnitudes only within a layer and only among surviving weights; signs stay in place', () => {
    const { ctx, result } = setup(1);
    const r = shuffleMagnitudes.modify(result, ctx, {}) as RewindResult;
    for (const [name, before, mask] of [
      ['a.weight', aValues, aMask],
      ['b.weight', bValues, bMask],
    ] as const) {
      const after = values(r.weights.params, name);
      // the multiset of surviving magnitudes is preserved (so nothing moved across layers)
      expect(sortedAbs(kept(after, [...mask]))).toEqual(sortedAbs(kept([...before], [...mask])));
      // pruned positions are untouched
      after.forEach((x, i) => {
        if (mask[i] === 0) expect(x).toBe(before[i]);
      });
      // each position keeps its sign
      expect(after.map(Math.sign)).toEqual(before.map(Math.sign));
      // and something did move
      expect(after).not.toEqual([...before]);
    }
    expect(values(r.weights.params, 'a.bias')).toEqual([1, 2, 3, 4, 5]);
  });

  it('is deterministic under the seed and differs across seeds', () => {
    const run = (seed: number) => {
      const { ctx, result } = setup(seed);
      return values((shuffleMagnitudes.modify(result, ctx, {}) as RewindResult).weights.params, 'a.weight');
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('does not advance ctx.rng', () => {
    const { ctx, result } = setup(3);
    const before = ctx.rng.state();
    shuffleMagnitudes.modify(result, ctx, {});
    expect(ctx.rng.state()).toEqual(before);
  });

  it('on the fixture: fc2 keeps its pruned last weight and permutes {0.7, 0.6, 0.5}', async () => {
    const ctx = rewindFixture({ seed: 9 });
    const base: RewindResult = {
      weights: ctx.anchor,
      optimizer: null,
      schedule: { kind: 'restart', fromStep: 0 },
    };
    const r = (await shuffleMagnitudes.modify(base, ctx, {})) as RewindResult;
    const fc2 = values(r.weights.params, 'fc2.weight');
    expect(fc2[3]).toBe(Math.fround(0.2));
    expect(sortedAbs(fc2.slice(0, 3))).toEqual(sortedAbs([-0.7, 0.6, -0.5].map(Math.fround)));
    expect(fc2.slice(0, 3).map(Math.sign)).toEqual([-1, 1, -1]);
  });
});
