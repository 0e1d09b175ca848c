import { hostTensor, isPruneError, Mask } from '@prunekit/core';
import { tensorGrowth, VariableStore } from '@prunekit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fixedSignProjection } from './fixed-sign-projection.js';
import { signsOf } from './signs-of.js';

function makeStore(): VariableStore {
  const store = new VariableStore();
  store.addParam(
    { name: 'fc.weight', shape: [2, 3], prunable: true, role: 'weight', layer: 'fc', layerKind: 'dense' },
    tf.variable(
      tf.tensor2d([
        [1, -2, 3],
        [-4, 5, -6],
      ]),
    ),
  );
  store.addParam(
    { name: 'fc.bias', shape: [3], prunable: false, role: 'bias', layer: 'fc', layerKind: 'dense' },
    tf.variable(tf.tensor1d([-1, 1, -1])),
  );
  return store;
}

describe('fixedSignProjection', () => {
  it('sets w ← |w| ⊙ s exactly, on the listed params only; signs of 0 zero the weight', () => {
    const store = makeStore();
    const projection = fixedSignProjection(
      new Map([['fc.weight', hostTensor([2, 3], [-1, -1, 0, 1, 1, -7])]]),
    );
    expect(projection.names).toEqual(['fc.weight']);
    projection.apply(store);
    expect([...store.variable('fc.weight').dataSync()]).toEqual([-1, -2, 0, 4, 5, -6]);
    expect([...store.variable('fc.bias').dataSync()]).toEqual([-1, 1, -1]);
    projection.dispose();
    store.dispose();
  });

  it('with signsOf(weights, mask): pruned weights stay zero', () => {
    const store = makeStore();
    const mask = Mask.fromRecord({ 'fc.weight': { shape: [2, 3], data: [1, 1, 0, 1, 0, 1] } });
    const projection = fixedSignProjection(signsOf(store.snapshot().params, mask));
    tf.tidy(() =>
      store.variable('fc.weight').assign(
        tf.tensor2d([
          [-9, 8, 7],
          [6, 5, 4],
        ]),
      ),
    );
    projection.apply(store);
    expect([...store.variable('fc.weight').dataSync()]).toEqual([9, -8, 0, -6, 0, -4]);
    projection.dispose();
    store.dispose();
  });

  it('holds one tensor per param, leaks nothing per step, frees them on dispose', async () => {
    const store = makeStore();
    const baseline = tf.memory().numTensors;
    const projection = fixedSignProjection(signsOf(store.snapshot().params));
    expect(tf.memory().numTensors).toBe(baseline + 2);
    for (let step = 0; step < 3; step++) expect(await tensorGrowth(() => projection.apply(store))).toBe(0);
    projection.dispose();
    projection.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    expect(() => projection.apply(store)).toThrow(/after dispose/);
    store.dispose();
  });

  it('names a param whose shape differs (E_SHAPE), changing nothing', () => {
    const store = makeStore();
    const projection = fixedSignProjection(
      new Map([
        ['fc.bias', hostTensor([3], [1, 1, 1])],
        ['fc.weight', hostTensor([3, 2], [1, 1, 1, 1, 1, 1])],
      ]),
    );
    let error: unknown;
    try {
      projection.apply(store);
    } catch (e) {
      error = e;
    }
    expect(isPruneError(error, 'E_SHAPE')).toBe(true);
    expect((error as Error).message).toMatch(
      /'fc.weight' is \[2, 3\] in the model but \[3, 2\] in the fixed signs/,
    );
    expect([...store.variable('fc.bias').dataSync()]).toEqual([-1, 1, -1]);
    projection.dispose();
    store.dispose();
  });
});
