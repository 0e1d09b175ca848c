import { hostTensor, Mask } from '@prunekit/core';
import { createRng, tensorGrowth, VariableStore } from '@prunekit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { perturbSigns } from './perturb-signs.js';
import { signPerturbationHook } from './sign-perturbation-hook.js';

const values = Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? -1 : 1) * (i + 1));
const mask = Mask.fromRecord({ w: { shape: [8, 8], data: values.map((_, i) => (i % 5 === 0 ? 0 : 1)) } });

function makeStore(): VariableStore {
  const store = new VariableStore();
  store.addParam(
    { name: 'w', shape: [8, 8], prunable: true, role: 'weight', layer: 'fc', layerKind: 'dense' },
    tf.variable(tf.tensor(values, [8, 8])),
  );
  return store;
}

describe('signPerturbationHook', () => {
  it('defaults to the paper: every 30 epochs, r = 0.3', () => {
    const hook = signPerturbationHook();
    expect([hook.every, hook.probability]).toEqual([30, 0.3]);
  });

  it('fires after epochs P, 2P, … only, draws from a per-epoch fork, leaks nothing', async () => {
    const store = makeStore();
    const hook = signPerturbationHook({ every: 2, probability: 0.5 });
    const rng = createRng('run').fork('signs');
    const before = rng.state();
    const fired: number[] = [];
    for (let epoch = 1; epoch <= 5; epoch++) {
      const snapshot = store.snapshot().params;
      let result: ReturnType<typeof hook.onEpochEnd> = null;
      expect(await tensorGrowth(() => (result = hook.onEpochEnd(epoch, store, mask, rng)))).toBe(0);
      if (result === null) {
        expect(store.snapshot().params).toEqual(snapshot);
        continue;
      }
      fired.push(epoch);
      // Exactly what perturbSigns does with the epoch's fork.
      const expected = new Map(snapshot);
      perturbSigns(expected, mask, {
        probability: 0.5,
        rng: createRng('run').fork('signs').fork(`sign-perturbation/${epoch}`),
      });
      expect(store.snapshot().params).toEqual(expected);
      expect((result as { flipped: number }).flipped).toBeGreaterThan(0);
    }
    expect(fired).toEqual([2, 4]);
    expect(rng.state()).toEqual(before); // the caller's generator is not advanced
    store.dispose();
  });

  it('is reproducible: two runs with the same seed end with the same weights', () => {
    const run = () => {
      const store = makeStore();
      const hook = signPerturbationHook({ every: 1 });
      for (let epoch = 1; epoch <= 3; epoch++) hook.onEpochEnd(epoch, store, mask, createRng(3));
      const out = store.snapshot().params;
      store.dispose();
      return out;
    };
    const a = run();
    expect(run()).toEqual(a);
    expect(a.get('w')!.data).not.toEqual(hostTensor([8, 8], values).data);
  });

  it('rejects bad schedules', () => {
    expect(() => signPerturbationHook({ every: 0 })).toThrow(/positive whole number of epochs, got 0/);
    expect(() => signPerturbationHook({ every: 2.5 })).toThrow(/got 2.5/);
    expect(() => signPerturbationHook({ probability: -0.1 })).toThrow(/in \[0, 1\]/);
  });
});
