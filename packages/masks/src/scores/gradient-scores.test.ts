import * as tf from '@tensorflow/tfjs-core';
import { type Batch, isPruneError, type MaskContext, type ModelSnapshot } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { composeStrategy } from '../compose.js';
import { globalAllocation } from '../allocations/global.js';
import { unstructuredSelection } from '../selections/unstructured.js';
import { snip } from '../strategies/snip.js';
import { synflow } from '../strategies/synflow.js';
import { context, host, maskOf, mse, plain, TinyModel } from '../testing/fixtures.js';
import type { Score } from '../types.js';
import { snipScore } from './snip.js';
import { synflowScore } from './synflow.js';

/** Batches made lazily, counting how many were handed out. */
function literalBatches(...bs: [number[][], number[][]][]): (() => Iterable<Batch>) & { handed: number } {
  const fn = Object.assign(
    function* () {
      for (const [x, y] of bs) {
        fn.handed++;
        yield { x: tf.tensor2d(x), y: tf.tensor2d(y) };
      }
    },
    { handed: 0 },
  );
  return fn;
}

function ctxFor(
  model: TinyModel,
  extra: Partial<MaskContext> = {},
  mask = maskOf(model.params),
): MaskContext {
  return context({
    params: model.params,
    weights: model.snapshot().params,
    mask,
    extra: { model, ...extra },
  });
}

function expectSameSnapshot(a: ModelSnapshot, b: ModelSnapshot): void {
  for (const part of ['params', 'state'] as const) {
    expect([...b[part].keys()]).toEqual([...a[part].keys()]);
    for (const [k, v] of a[part]) expect([...b[part].get(k)!.data]).toEqual([...v.data]);
  }
}

const round = (a: Float32Array | undefined, digits = 4) => [...(a ?? [])].map((v) => +v.toFixed(digits));

describe('SNIP', () => {
  // y = x·W, W = [0.5, -1]ᵀ, MSE. Batch 1: x = [1, 2], y = 0 → out = -1.5, ∂L/∂out = -3, ∂L/∂W = [-3, -6].
  // Batch 2: x = [2, 0], y = 0 → out = 1, ∂L/∂out = 2, ∂L/∂W = [4, 0].
  const make = () => new TinyModel([{ name: 'fc', weight: host([2, 1], [0.5, -1]) }]);
  const b1: [number[][], number[][]] = [[[1, 2]], [[0]]];
  const b2: [number[][], number[][]] = [[[2, 0]], [[0]]];

  it('one batch: |w · ∂L/∂w| = [1.5, 6] by hand; no leaks; weights restored; batches disposed', async () => {
    const model = make();
    const before = model.snapshot();
    const n0 = tf.memory().numTensors;
    const s = await snipScore.score(ctxFor(model, { batches: literalBatches(b1), loss: mse }), {
      batches: 1,
      bnMode: 'eval',
    });
    expect(tf.memory().numTensors).toBe(n0);
    expect(round(s.get('fc.weight'))).toEqual([1.5, 6]);
    expectSameSnapshot(before, model.snapshot());
    model.dispose();
  });

  it('sums gradients over `batches` batches: |w ⊙ (g1 + g2)| = [0.5, 6]; stops after that many', async () => {
    const model = make();
    const batches = literalBatches(b1, b2, b1);
    const ctx = ctxFor(model, { batches, loss: mse });
    const n0 = tf.memory().numTensors;
    const s = await snipScore.score(ctx, { batches: 2, bnMode: 'eval' });
    expect(tf.memory().numTensors).toBe(n0);
    expect(batches.handed).toBe(2);
    expect(round(s.get('fc.weight'))).toEqual([0.5, 6]);
    model.dispose();
  });

  it('scores the masked network: pruned weights are zero in the forward pass', async () => {
    // W masked = [0, -1]: out = -2, ∂L/∂out = -4, g = [-4, -8] → |w ⊙ g| = [0, 8]
    const model = make();
    const mask = maskOf(model.params, { 'fc.weight': [0, 1] });
    const s = await snipScore.score(ctxFor(model, { batches: literalBatches(b1), loss: mse }, mask), {
      batches: 1,
      bnMode: 'eval',
    });
    expect(round(s.get('fc.weight'))).toEqual([0, 8]);
    expect([...model.variable('fc.weight').dataSync()]).toEqual([0.5, -1]);
    model.dispose();
  });

  it('the snip strategy keeps the most sensitive weight; train-mode batch norm state is restored', async () => {
    const model = new TinyModel([
      {
        name: 'fc1',
        weight: host([2, 2], [0.5, -1, 2, 0.1]),
        bias: host([2], [0.1, -0.2]),
        relu: true,
        bn: { gamma: [1, -1], beta: [0, 0.5], mean: [0.3, -0.2], variance: [1, 2] },
      },
      { name: 'fc2', weight: host([2, 1], [1, -2]) },
    ]);
    const before = model.snapshot();
    const ctx = ctxFor(model, {
      batches: literalBatches([
        [
          [1, 2],
          [0, 1],
          [3, -1],
        ],
        [[0], [1], [2]],
      ]),
      loss: mse,
      target: { kind: 'fraction', fraction: 0.5 },
    });
    const n0 = tf.memory().numTensors;
    const m = await snip.prune(ctx, { batches: 1, bnMode: 'train' });
    expect(tf.memory().numTensors).toBe(n0);
    expect(m.count()).toBe(3);
    expectSameSnapshot(before, model.snapshot());
    model.dispose();
  });

  it('E_RECIPE naming what is missing; E_DATA for no batches', async () => {
    const model = make();
    const noModel = context({ params: model.params, weights: model.snapshot().params });
    await expect(snip.prune(noModel, snip.defaults)).rejects.toThrow(
      /needs ctx.model, ctx.batches, ctx.loss/,
    );
    let err: unknown;
    try {
      await snip.prune(ctxFor(model, { batches: () => [], loss: mse }), snip.defaults);
    } catch (e) {
      err = e;
    }
    expect(isPruneError(err, 'E_DATA')).toBe(true);
    model.dispose();
  });
});

describe('SynFlow', () => {
  // Linearized: |W1| = [[1, 2], [3, 0.5]], |W2| = [1, 2]ᵀ, x = [1, 1]: h = [4, 2.5], R = 4 + 5 = 9.
  // ∂R/∂W1[i][j] = |W2_j| → scores [[1, 4], [3, 1]]; ∂R/∂W2_j = h_j → scores [4, 5].
  const make = () =>
    new TinyModel([
      { name: 'l1', weight: host([2, 2], [1, -2, 3, 0.5]) },
      { name: 'l2', weight: host([2, 1], [-1, 2]) },
    ]);

  it('|θ ⊙ ∂R/∂θ| of the linearized network by hand; signs restored; no leaks', async () => {
    const model = make();
    const before = model.snapshot();
    const n0 = tf.memory().numTensors;
    const s = await synflowScore.score(ctxFor(model), { iterations: 1 });
    expect(tf.memory().numTensors).toBe(n0);
    expect(round(s.get('l1.weight'))).toEqual([1, 4, 3, 1]);
    expect(round(s.get('l2.weight'))).toEqual([4, 5]);
    expectSameSnapshot(before, model.snapshot());
    model.dispose();
  });

  it('batch norm in eval mode with |γ|, |β|, |running mean|; biases linearized; state restored', async () => {
    const model = new TinyModel([
      {
        name: 'l1',
        weight: host([2, 2], [1, -2, 3, 0.5]),
        bias: host([2], [-1, 1]),
        relu: true,
        bn: { gamma: [-1, 2], beta: [0.5, -0.5], mean: [2, -1], variance: [4, 1] },
      },
      { name: 'l2', weight: host([2, 1], [-1, 2]) },
    ]);
    const before = model.snapshot();
    const s = await synflowScore.score(ctxFor(model), { iterations: 1 });
    // h = [4 + 1, 2.5 + 1]; z = (h − |μ|)/σ · |γ| + |β| with σ = √(var + 1e-5): z = [3/σ0 + 0.5, 2.5/σ1 · 2 + 0.5]
    const s0 = Math.sqrt(4 + 1e-5);
    const s1 = Math.sqrt(1 + 1e-5);
    const w1 = s.get('l1.weight')!;
    for (const [i, v] of [1 / s0, 8 / s1, 3 / s0, 2 / s1].entries()) expect(w1[i]).toBeCloseTo(v, 4);
    const w2 = s.get('l2.weight')!;
    expect(w2[0]).toBeCloseTo(3 / s0 + 0.5, 4);
    expect(w2[1]).toBeCloseTo(2 * ((2.5 / s1) * 2 + 0.5), 4);
    expectSameSnapshot(before, model.snapshot());
    model.dispose();
  });

  it('iterates along the exponential schedule, re-scoring under each mask (by hand)', async () => {
    // 6 weights → keep 2 in 2 steps: round(6 · (2/6)^½) = 3, then 2.
    // Step 1 scores [1, 4, 3, 1] and [4, 5]: keep 5, 4, 4 → l1 [0, 1, 0, 0], l2 [1, 1].
    // Step 2 on the masked network: h = [0, 2], R = 4; l1[0][1] scores 2·2 = 4, l2 scores [0·1, 2·2] = [0, 4] → keep l1[0][1], l2[1].
    const model = make();
    const before = model.snapshot();
    const ctx = ctxFor(model, { target: { kind: 'density', density: 1 / 3 } });
    const n0 = tf.memory().numTensors;
    const m = await synflow.prune(ctx, { iterations: 2 });
    expect(tf.memory().numTensors).toBe(n0);
    expect(plain(m)).toEqual({ 'l1.weight': [0, 1, 0, 0], 'l2.weight': [0, 1] });
    expectSameSnapshot(before, model.snapshot());
    model.dispose();
  });

  it('iterative scores see every intermediate mask (spy score)', async () => {
    const seen: number[] = [];
    const spy: Score<{ iterations: number }> = {
      ...synflowScore,
      name: 'spy',
      score: (ctx) => {
        seen.push(ctx.mask.count());
        return new Map(
          ctx.mask.names().map((n) => [n, Float32Array.from(ctx.weights.get(n)!.data, Math.abs)]),
        );
      },
    };
    const strategy = composeStrategy({
      name: 'spy-global',
      description: 'spy',
      score: spy,
      allocation: globalAllocation,
      selection: unstructuredSelection,
    });
    const model = make();
    const m = await strategy.prune(ctxFor(model, { target: { kind: 'density', density: 1 / 6 } }), {
      iterations: 3,
    });
    // 6 → 1 in 3 steps: round(6 · (1/6)^(1/3)) = 3, round(6 · (1/6)^(2/3)) = 2, then 1
    expect(seen).toEqual([6, 3, 2]);
    expect(m.count()).toBe(1);
    model.dispose();
  });

  it('needs the model (E_RECIPE)', async () => {
    const model = make();
    const ctx = context({ params: model.params, weights: model.snapshot().params });
    await expect(synflow.prune(ctx, { iterations: 1 })).rejects.toThrow(/score synflow needs ctx.model/);
    model.dispose();
  });
});
