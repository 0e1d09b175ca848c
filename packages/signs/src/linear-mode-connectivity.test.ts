import { hostTensor, Mask, type Weights } from '@prunekit/core';
import { tensorGrowth, VariableStore } from '@prunekit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALPHAS, type LmcEvaluation, linearModeConnectivity } from './linear-mode-connectivity.js';

/**
 * Toy linear model y = x·W + b with W: [2, 1], evaluated on one example x = [1, 0] with label +1.
 * The mask prunes W[1]. Endpoints: W = [1, 5] and W = [−1, 7], b = 0, so along the path the
 * prediction is p(α) = 1 − 2α. Loss (a double well) (p² − 1)² = 16α²(1 − α)²; correct iff p > 0.
 */
class ToyModel extends VariableStore {
  constructor() {
    super();
    this.addParam(
      { name: 'fc.weight', shape: [2, 1], prunable: true, role: 'weight', layer: 'fc', layerKind: 'dense' },
      tf.variable(tf.tensor2d([[0.5], [0.5]])),
    );
    this.addParam(
      { name: 'fc.bias', shape: [1], prunable: false, role: 'bias', layer: 'fc', layerKind: 'dense' },
      tf.variable(tf.tensor1d([0.25])),
    );
    this.addState({ name: 'bn.running_mean', shape: [1], layer: 'bn' }, tf.variable(tf.tensor1d([7]), false));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      tf.add(
        tf.matMul(x as tf.Tensor2D, this.variable('fc.weight') as tf.Tensor2D),
        this.variable('fc.bias'),
      ),
    );
  }
}

const params = (w: number[], bias: number): Weights =>
  new Map([
    ['fc.weight', hostTensor([2, 1], w)],
    ['fc.bias', hostTensor([1], [bias])],
  ]);
const a = params([1, 5], 0);
const b = params([-1, 7], 0);
const mask = Mask.fromRecord({ 'fc.weight': { shape: [2, 1], data: [1, 0] } });

function evaluate(model: ToyModel): LmcEvaluation {
  const p = tf.tidy(() => model.forward(tf.tensor2d([[1, 0]])).dataSync()[0]!);
  return { loss: (p * p - 1) ** 2, accuracy: p > 0 ? 1 : 0 };
}

describe('linearModeConnectivity', () => {
  it('reports the hand-computed loss and accuracy along the path and the barriers', async () => {
    const model = new ToyModel();
    let report: Awaited<ReturnType<typeof linearModeConnectivity>> | undefined;
    const growth = await tensorGrowth(async () => {
      report = await linearModeConnectivity({ model, a, b, mask, evaluate });
    });
    expect(growth).toBe(0);
    const r = report!;
    expect(r.points.map((p) => p.alpha)).toEqual([...DEFAULT_ALPHAS]);
    for (const p of r.points) {
      const expectedLoss = 16 * p.alpha ** 2 * (1 - p.alpha) ** 2;
      expect(p.loss).toBeCloseTo(expectedLoss, 5);
      expect(p.lossGap).toBeCloseTo(expectedLoss, 5); // both ends have loss 0
      expect(p.accuracy).toBe(p.alpha < 0.5 ? 1 : 0); // p(0.5) = 0 is not > 0
      expect(p.errorGap).toBeCloseTo((p.alpha < 0.5 ? 0 : 1) - p.alpha, 12);
    }
    expect(r.barrier.loss).toBeCloseTo(1, 5); // at α = 0.5
    expect(r.barrier.error).toBeCloseTo(0.5, 12); // error 1 at α = 0.5, line at 0.5
    model.dispose();
  });

  it('restores the original parameters and state, also when evaluate throws', async () => {
    const model = new ToyModel();
    const original = model.snapshot();
    const seen: number[][] = [];
    await linearModeConnectivity({
      model,
      a,
      b,
      mask,
      alphas: [0.5],
      evaluate: (m, alpha) => {
        seen.push([alpha, ...m.variable('fc.weight').dataSync()]);
        tf.tidy(() => m.stateVariable('bn.running_mean').assign(tf.tensor1d([alpha]))); // e.g. training-mode BN
        return { loss: alpha };
      },
    });
    expect(seen).toEqual([
      [0, 1, 0],
      [0.5, 0, 0],
      [1, -1, 0],
    ]);
    expect(model.snapshot()).toEqual(original);

    await expect(
      linearModeConnectivity({
        model,
        a,
        b,
        evaluate: () => {
          throw new Error('evaluation failed');
        },
      }),
    ).rejects.toThrow('evaluation failed');
    expect(model.snapshot()).toEqual(original);
    model.dispose();
  });

  it('without accuracies: loss barrier only; async evaluate; 0 and 1 always included', async () => {
    const model = new ToyModel();
    const r = await linearModeConnectivity({
      model,
      a,
      b,
      mask,
      alphas: [0.25, 0.75],
      evaluate: async (m) => ({ loss: evaluate(m).loss }),
    });
    expect(r.points.map((p) => p.alpha)).toEqual([0, 0.25, 0.75, 1]);
    expect(r.barrier.error).toBeUndefined();
    expect(r.barrier.loss).toBeCloseTo(16 * 0.25 ** 2 * 0.75 ** 2, 5);
    expect(r.points[1]!.accuracy).toBeUndefined();
    model.dispose();
  });

  it('rejects α outside [0, 1] and mismatched endpoints before touching the model', async () => {
    const model = new ToyModel();
    const original = model.snapshot();
    await expect(linearModeConnectivity({ model, a, b, alphas: [1.5], evaluate })).rejects.toThrow(
      /in \[0, 1\], got 1.5/,
    );
    const reshaped = new Map(b).set('fc.weight', hostTensor([1, 2], [1, 1]));
    await expect(linearModeConnectivity({ model, a, b: reshaped, evaluate })).rejects.toThrow(
      /'fc.weight' is \[2, 1\] in 'a'/,
    );
    expect(model.snapshot()).toEqual(original);
    model.dispose();
  });
});
