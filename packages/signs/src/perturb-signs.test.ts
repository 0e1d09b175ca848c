import { cloneWeights, hostTensor, Mask, type Weights } from '@prunekit/core';
import { createRng, tensorGrowth, VariableStore } from '@prunekit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { perturbSigns } from './perturb-signs.js';

const N = 100_000;

/** Whether two weight sets hold the same names, shapes and values (fast on large arrays). */
function sameWeights(a: Weights, b: Weights): boolean {
  if (a.size !== b.size) return false;
  for (const [name, t] of a) {
    const u = b.get(name);
    if (!u || u.shape.join() !== t.shape.join() || u.data.length !== t.data.length) return false;
    for (let i = 0; i < t.data.length; i++) if (!Object.is(t.data[i], u.data[i])) return false;
  }
  return true;
}

/** 100k weights in two layers, none zero, with ~30% pruned; plus a bias. */
function fixture() {
  const rng = createRng('perturb-fixture');
  const value = () => (0.1 + rng.next()) * (rng.next() < 0.5 ? -1 : 1);
  const weights: Weights = new Map([
    ['l1.weight', hostTensor([250, 200], Array.from({ length: 50_000 }, value))],
    ['l1.bias', hostTensor([200], Array.from({ length: 200 }, value))],
    ['l2.weight', hostTensor([500, 100], Array.from({ length: 50_000 }, value))],
  ]);
  const mask = Mask.fromRecord({
    'l1.weight': {
      shape: [250, 200],
      data: Array.from({ length: 50_000 }, () => (rng.next() < 0.7 ? 1 : 0)),
    },
    'l2.weight': {
      shape: [500, 100],
      data: Array.from({ length: 50_000 }, () => (rng.next() < 0.7 ? 1 : 0)),
    },
  });
  return { weights, mask };
}

describe('perturbSigns', () => {
  const { weights, mask } = fixture();

  it('flips ≈ r of the kept weights, never a pruned weight or a bias, magnitudes unchanged', () => {
    const w = cloneWeights(weights);
    const r = perturbSigns(w, mask, { rng: createRng(1) }); // default r = 0.3
    expect(r.considered).toBe(mask.count());
    expect(Math.abs(r.flipped / r.considered - 0.3)).toBeLessThan(0.01); // σ ≈ 0.0017
    // Plain loops (not one expect per weight) keep this fast on 100k weights.
    let flipped = 0;
    let magnitudeChanged = 0;
    let prunedOrBiasTouched = 0;
    for (const [name, t] of w) {
      const before = weights.get(name)!.data;
      const m = mask.has(name) ? mask.get(name).data : undefined;
      for (let i = 0; i < t.data.length; i++) {
        if (Math.abs(t.data[i]!) !== Math.abs(before[i]!)) magnitudeChanged++;
        if (t.data[i] === before[i]) continue;
        flipped++;
        if (m?.[i] !== 1) prunedOrBiasTouched++;
      }
    }
    expect(magnitudeChanged).toBe(0);
    expect(prunedOrBiasTouched).toBe(0);
    expect(flipped).toBe(r.flipped);
    expect(r.perLayer['l1.weight']! + r.perLayer['l2.weight']!).toBe(r.flipped);
    expect(N).toBe(weights.get('l1.weight')!.data.length + weights.get('l2.weight')!.data.length);
  });

  it('is deterministic under a seed and differs across seeds', () => {
    const run = (seed: number) => {
      const w = cloneWeights(weights);
      perturbSigns(w, mask, { probability: 0.3, rng: createRng(seed) });
      return w;
    };
    expect(sameWeights(run(5), run(5))).toBe(true);
    expect(sameWeights(run(5), run(6))).toBe(false);
  });

  it('r = 0 changes nothing, r = 1 flips every kept non-zero weight', () => {
    const w = cloneWeights(weights);
    expect(perturbSigns(w, mask, { probability: 0, rng: createRng(1) }).flipped).toBe(0);
    expect(sameWeights(w, weights)).toBe(true);
    const small = new Map([['w', hostTensor([4], [1, -2, 0, 3])]]);
    const m = Mask.fromRecord({ w: { shape: [4], data: [1, 1, 1, 0] } });
    const r = perturbSigns(small, m, { probability: 1, rng: createRng(1) });
    expect([...small.get('w')!.data]).toEqual([-1, 2, 0, 3]);
    expect(r).toEqual({ flipped: 2, considered: 3, perLayer: { w: 2 } });
  });

  it('on a live store: same flips as on the host for the same generator state, no leaks', async () => {
    const store = new VariableStore();
    for (const [name, t] of weights) {
      store.addParam(
        {
          name,
          shape: t.shape,
          prunable: mask.has(name),
          role: mask.has(name) ? 'weight' : 'bias',
          layer: name,
          layerKind: 'dense',
        },
        tf.variable(tf.tensor(t.data, [...t.shape])),
      );
    }
    const host = cloneWeights(weights);
    const hostResult = perturbSigns(host, mask, { probability: 0.3, rng: createRng(9) });
    let storeResult: ReturnType<typeof perturbSigns> | undefined;
    expect(
      await tensorGrowth(
        () => (storeResult = perturbSigns(store, mask, { probability: 0.3, rng: createRng(9) })),
      ),
    ).toBe(0);
    expect(storeResult).toEqual(hostResult);
    expect(sameWeights(store.snapshot().params, host)).toBe(true);
    store.dispose();
  });

  it('validates r and shapes before changing anything', () => {
    const w = cloneWeights(weights);
    expect(() => perturbSigns(w, mask, { probability: 1.5, rng: createRng(1) })).toThrow(
      /in \[0, 1\], got 1.5/,
    );
    w.set('l2.weight', hostTensor([2], [1, 2]));
    expect(() => perturbSigns(w, mask, { rng: createRng(1) })).toThrow(/'l2.weight' is \[2\]/);
    expect(
      sameWeights(new Map([['l1', w.get('l1.weight')!]]), new Map([['l1', weights.get('l1.weight')!]])),
    ).toBe(true);
  });
});
