// Shared by the tests of this package (not exported from index.ts).
import * as tf from '@tensorflow/tfjs-core';
import type { PrunableModel } from '@prunekit/core';
import { createRng } from '@prunekit/tensor';

/** A small configuration of every built-in model, for fast tests. */
export const SMALL: Readonly<Record<string, Record<string, unknown>>> = {
  'single-neuron': { d: 4 },
  mlp: { inputShape: [4, 4, 1], hidden: [16, 8], classes: 3 },
  'lenet-300-100': {},
  conv2: { inputShape: [8, 8, 1], classes: 3, width: 4 },
  conv4: { inputShape: [8, 8, 3], classes: 3, width: 4 },
  conv6: { inputShape: [8, 8, 1], classes: 3, width: 4 },
  vgg11: { inputShape: [8, 8, 3], classes: 3, width: 4 },
  vgg16: { inputShape: [8, 8, 3], classes: 3, width: 4 },
  resnet18: { inputShape: [8, 8, 3], classes: 3, width: 4 },
  resnet50: { inputShape: [8, 8, 3], classes: 3, width: 4 },
};

/** A fixed batch for a model: standard-normal inputs and targets (one-hot classes, or ReLU(x₁) for regression). */
export function fixedBatch(model: PrunableModel, n: number, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  const rng = createRng(seed);
  const shape = [n, ...model.inputShape];
  const size = shape.reduce((a, b) => a * b, 1);
  const xs = new Float32Array(size);
  for (let i = 0; i < size; i++) xs[i] = rng.normal();
  const per = size / n;
  if (model.task === 'regression') {
    const ys = new Float32Array(n);
    for (let i = 0; i < n; i++) ys[i] = Math.max(0, xs[i * per]!);
    return { x: tf.tensor(xs, shape), y: tf.tensor2d(ys, [n, 1]) };
  }
  const ys = new Float32Array(n * model.outputSize);
  for (let i = 0; i < n; i++) ys[i * model.outputSize + rng.int(model.outputSize)] = 1;
  return { x: tf.tensor(xs, shape), y: tf.tensor2d(ys, [n, model.outputSize]) };
}

/** The loss for a model's task: softmax cross-entropy or mean squared error. The caller disposes the result. */
export function lossOf(model: PrunableModel, out: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return model.task === 'regression'
    ? tf.losses.meanSquaredError(y, out)
    : tf.losses.softmaxCrossEntropy(y, out);
}

/**
 * Plain SGD on a fixed batch: returns the loss before each step and the tensor count after each
 * step (and before the first one).
 */
export function sgdSteps(
  model: PrunableModel,
  batch: { x: tf.Tensor; y: tf.Tensor },
  steps: number,
  lr: number,
) {
  const vars = model.params.map((p) => model.variable(p.name));
  const losses: number[] = [];
  const counts: number[] = [tf.memory().numTensors];
  for (let s = 0; s < steps; s++) {
    const { value, grads } = tf.variableGrads(
      () => lossOf(model, model.forward(batch.x, true), batch.y),
      vars,
    );
    losses.push(value.dataSync()[0]!);
    tf.tidy(() => {
      for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, lr)));
    });
    value.dispose();
    tf.dispose(grads);
    counts.push(tf.memory().numTensors);
  }
  return { losses, counts };
}
