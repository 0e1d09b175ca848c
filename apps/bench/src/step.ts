/**
 * The benchmark training step shared by `throughput.ts` and `profile-step.ts`: forward + backward +
 * SGD update (momentum 0.9, weight decay 1e-4, lr 0.01) on one fixed seeded random batch. With a
 * mask, it is applied before the first step and inside every update (weights and momentum), as
 * `trainPhase` does.
 */
import { Mask, type PrunableModel } from '@prunekit/core';
import { createRng } from '@prunekit/tensor';
import { applyMask, crossEntropy, deviceMask, sgd } from '@prunekit/train';
import * as tf from '@tensorflow/tfjs-core';

/** A ready training step and what it holds. */
export interface BenchStep {
  /** One synchronous step (it waits for the loss value). */
  step(): void;
  /** Free the batch, the optimizer slots and the device mask (not the model). */
  dispose(): void;
}

/** Build the step for `model` at `batch` (seed 0 for the batch), masked when `mask` is given. */
export function benchStep(model: PrunableModel, batch: number, mask?: Mask): BenchStep {
  const rng = createRng(0);
  const x = tf.tensor(
    Float32Array.from({ length: batch * model.inputShape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    [batch, ...model.inputShape],
  );
  const y = tf.tensor1d(
    Int32Array.from({ length: batch }, () => rng.int(model.outputSize)),
    'int32',
  );
  const opt = sgd(model, { momentum: 0.9, weightDecay: 1e-4 });
  const vars = model.params.map((p) => model.variable(p.name));
  const names = new Map(model.params.map((p) => [model.variable(p.name).name, p.name]));
  const dm = mask ? deviceMask(mask) : undefined;
  if (dm) applyMask(model, dm);
  // As trainPhase: masked layers below the density threshold run the sparse kernels.
  if (mask) model.setSparsity?.(mask);
  return {
    step: () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, true), y), vars);
        const named: Record<string, tf.Tensor> = {};
        for (const [k, g] of Object.entries(grads)) named[names.get(k) ?? k] = g;
        opt.apply(named, 0.01, dm);
        value.dataSync();
      }),
    dispose: () => {
      opt.dispose();
      model.setSparsity?.(undefined);
      tf.dispose([x, y]);
      if (dm) tf.dispose([...dm.values()]);
    },
  };
}

/** A fixed random mask keeping each prunable weight with probability `density` (seeded). */
export function randomMask(model: PrunableModel, density: number, seed: number): Mask {
  const rng = createRng(seed);
  return new Mask(
    model.params
      .filter((p) => p.prunable)
      .map((p) => {
        const n = p.shape.reduce((a, b) => a * b, 1);
        return [
          p.name,
          { shape: [...p.shape], data: Uint8Array.from({ length: n }, () => (rng.next() < density ? 1 : 0)) },
        ];
      }),
  );
}
