import { hostTensor, Mask, type RewindResult } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { assertLayout, maskResult, slotParam } from './snapshot.js';
import { values } from './test-utils.js';

describe('snapshot helpers', () => {
  const layout = [
    { name: 'a', shape: [2, 2] },
    { name: 'b', shape: [3] },
  ];

  it('assertLayout names the missing, extra and mis-shaped entries', () => {
    const ok = new Map([
      ['a', hostTensor([2, 2], [1, 2, 3, 4])],
      ['b', hostTensor([3], [1, 2, 3])],
    ]);
    expect(() => assertLayout(ok, layout, 'x', 'me')).not.toThrow();
    expect(() => assertLayout(new Map([['a', ok.get('a')!]]), layout, 'ctx.anchor.params', 'me')).toThrow(
      "me: ctx.anchor.params has no entry 'b'",
    );
    expect(() => assertLayout(new Map([...ok, ['c', hostTensor([1], [0])]]), layout, 'x', 'me')).toThrow(
      "me: x has an entry 'c' that the model does not have (model: a, b)",
    );
    expect(() =>
      assertLayout(new Map([...ok, ['a', hostTensor([4], [1, 2, 3, 4])]]), layout, 'x', 'me'),
    ).toThrow("me: x 'a' has shape [4] but the model's is [2, 2]");
    expect(() =>
      assertLayout(new Map([...ok, ['b', { shape: [3], data: new Float32Array(2) }]]), layout, 'x', 'me'),
    ).toThrow("me: x 'b' holds 2 values but shape [3] needs 3");
  });

  it('maskResult zeroes pruned weights and their per-weight slots, in fresh buffers', () => {
    const result: RewindResult = {
      weights: {
        params: new Map([
          ['a', hostTensor([2, 2], [1, -2, 3, -4])],
          ['b', hostTensor([3], [5, 6, 7])],
        ]),
        state: new Map(),
      },
      optimizer: {
        kind: 'sgd',
        step: 3,
        slots: new Map([
          ['a/momentum', hostTensor([2, 2], [0.1, 0.2, 0.3, 0.4])],
          ['global/step', hostTensor([1], [3])],
        ]),
      },
      schedule: { kind: 'restart', fromStep: 0 },
    };
    const mask = Mask.fromRecord({ a: { shape: [2, 2], data: [1, 0, 0, 1] } });
    const m = maskResult(result, mask);
    expect(values(m.weights.params, 'a')).toEqual([1, 0, 0, -4]);
    expect(values(m.weights.params, 'b')).toEqual([5, 6, 7]);
    expect(values(m.optimizer!.slots, 'a/momentum')).toEqual([Math.fround(0.1), 0, 0, Math.fround(0.4)]);
    expect(values(m.optimizer!.slots, 'global/step')).toEqual([3]);
    expect(values(result.weights.params, 'a')).toEqual([1, -2, 3, -4]);
    expect(m.weights.params.get('b')!.data).not.toBe(result.weights.params.get('b')!.data);
  });

  it('slotParam splits at the last slash', () => {
    expect(slotParam('layer1.0.conv1.weight/momentum')).toBe('layer1.0.conv1.weight');
    expect(slotParam('a/b/m')).toBe('a/b');
    expect(slotParam('step')).toBeUndefined();
  });
});
