import { hostTensor, Mask, PruneError, type Weights } from '@prunekit/core';
import { tensorGrowth, VariableStore } from '@prunekit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { SignSwitchTracker, type SignSwitchTrackerState } from './sign-switch-tracker.js';

const mask = Mask.fromRecord({
  a: { shape: [4], data: [1, 1, 1, 0] },
  b: { shape: [2, 2], data: [1, 1, 1, 1] },
});
const w = (a: number[], b: number[]): Weights =>
  new Map([
    ['a', hostTensor([4], a)],
    ['bias', hostTensor([1], [-1])],
    ['b', hostTensor([2, 2], b)],
  ]);
// The script: start, then 4 epochs. a[3] is pruned, so its changes never count.
const script = {
  start: w([1, -1, 2, 5], [1, 1, -1, -1]),
  epochs: [
    w([-1, -1, 2, -5], [1, 1, -1, -1]), // a0 flips                    → 1 flip
    w([1, 0, 2, 5], [-1, 1, 1, -1]), //   a0, a1 (−1 → 0), b0, b2 flip → 4 flips
    w([1, 1, 2, 5], [-1, 1, 1, -1]), //   a1 (0 → 1)                   → 1 flip
    w([-1, 1, -2, 5], [1, 1, 1, 1]), //   a0, a2, b0, b3               → 4 flips
  ],
};
// Per weight: a = [3, 2, 1, (pruned)], b = [2, 0, 1, 1] → histogram over 7 kept weights [1, 3, 2, 1].
const expectedSummary = {
  epochs: [1, 2, 3, 4],
  flips: [1, 4, 1, 4],
  flipFractions: [1 / 7, 4 / 7, 1 / 7, 4 / 7],
  totalFlips: 10,
  tracked: 7,
  flippedAtLeastOnce: 6,
  flippedAtLeastOnceFraction: 6 / 7,
  maxFlips: 3,
  histogram: [1, 3, 2, 1],
  perLayer: {
    a: {
      flips: [1, 2, 1, 2],
      flipFractions: [1 / 3, 2 / 3, 1 / 3, 2 / 3],
      tracked: 3,
      flippedAtLeastOnce: 3,
      maxFlips: 3,
      histogram: [0, 1, 1, 1],
    },
    b: {
      flips: [0, 2, 0, 2],
      flipFractions: [0, 2 / 4, 0, 2 / 4],
      tracked: 4,
      flippedAtLeastOnce: 3,
      maxFlips: 2,
      histogram: [1, 2, 1],
    },
  },
};

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function makeStore(weights: Weights): VariableStore {
  const store = new VariableStore();
  for (const [name, t] of weights) {
    store.addParam(
      {
        name,
        shape: t.shape,
        prunable: name !== 'bias',
        role: name === 'bias' ? 'bias' : 'weight',
        layer: name,
        layerKind: 'dense',
      },
      tf.variable(tf.tensor(t.data, [...t.shape])),
    );
  }
  return store;
}

describe('SignSwitchTracker', () => {
  it('records the exact flip series and per-weight counts of a scripted round', () => {
    const tracker = new SignSwitchTracker().start(script.start, mask);
    const observed = script.epochs.map((weights, i) => tracker.observe(i + 1, weights));
    expect(observed.map((o) => o.flipped)).toEqual([1, 4, 1, 4]);
    expect(observed.map((o) => o.value)).toEqual([1 / 7, 4 / 7, 1 / 7, 4 / 7]);
    expect(observed[1]).toEqual({
      epoch: 2,
      value: 4 / 7,
      perLayer: { a: 2 / 3, b: 2 / 4 },
      flipped: 4,
      compared: 7,
      details: { flipped: 4, compared: 7 },
    });
    expect(tracker.summary()).toEqual(expectedSummary);
    const counts = tracker.perWeightCounts();
    expect([...counts.get('a')!]).toEqual([3, 2, 1, 0]);
    expect([...counts.get('b')!]).toEqual([2, 0, 1, 1]);
  });

  it('survives a JSON round trip of its state mid-round', () => {
    const tracker = new SignSwitchTracker().start(script.start, mask);
    tracker.observe(1, script.epochs[0]!);
    tracker.observe(2, script.epochs[1]!);
    const saved = JSON.parse(JSON.stringify(tracker.state())) as SignSwitchTrackerState;
    const resumed = SignSwitchTracker.fromState(saved);
    resumed.observe(3, script.epochs[2]!);
    resumed.observe(4, script.epochs[3]!);
    expect(resumed.summary()).toEqual(expectedSummary);
    expect(resumed.state().params.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('reads only the prunable variables of a live store, without creating tensors', async () => {
    const store = makeStore(script.start);
    const tracker = new SignSwitchTracker().start(store.snapshot().params, mask);
    const read = vi.spyOn(store, 'variable');
    for (const [i, weights] of script.epochs.entries()) {
      store.restore({ params: weights });
      expect(await tensorGrowth(() => tracker.observeFromModel(i + 1, store))).toBe(0);
    }
    expect(tracker.summary()).toEqual(expectedSummary);
    expect(new Set(read.mock.calls.map(([name]) => name))).toEqual(new Set(['a', 'b']));
    store.dispose();
  });

  it('saturates per-weight counters at 65535', () => {
    const tracker = new SignSwitchTracker().start(
      new Map([['a', hostTensor([1], [1])]]),
      Mask.fromRecord({ a: { shape: [1], data: [1] } }),
    );
    const state = tracker.state();
    const saturated = SignSwitchTracker.fromState({
      ...state,
      params: [{ ...state.params[0]!, counts: btoa('\xff\xff') }],
    });
    saturated.observe(1, new Map([['a', hostTensor([1], [-1])]]));
    expect(saturated.perWeightCounts().get('a')![0]).toBe(65535);
    expect(saturated.summary().flips).toEqual([1]);
  });

  it('explains misuse and bad inputs', () => {
    expect(() => new SignSwitchTracker().observe(1, script.start)).toThrow(/before start\(weights, mask\)/);
    const tracker = new SignSwitchTracker().start(script.start, mask);
    const missing = new Map(script.start);
    missing.delete('b');
    expect(() => tracker.observe(1, missing)).toThrow(/have no parameter 'b'/);
    const reshaped = new Map(script.start).set('a', hostTensor([2, 2], [1, 1, 1, 1]));
    const error = caught(() => tracker.observe(1, reshaped));
    expect(error).toBeInstanceOf(PruneError);
    expect((error as PruneError).code).toBe('E_SHAPE');
    expect((error as PruneError).message).toMatch(/'a' is \[2, 2\]/);
    // A failed observation records nothing; epochs must increase.
    expect(tracker.summary().epochs).toEqual([]);
    tracker.observe(1, script.epochs[0]!);
    expect(() => tracker.observe(1, script.epochs[1]!)).toThrow(/epochs must be finite and increase/);
    expect(() => SignSwitchTracker.fromState({ ...tracker.state(), version: 2 as 1 })).toThrow(/version 2/);
    const state = tracker.state();
    expect(() =>
      SignSwitchTracker.fromState({ ...state, params: [{ ...state.params[0]!, signs: btoa('\x05') }] }),
    ).toThrow(/'a' needs 4 values/);
  });
});
