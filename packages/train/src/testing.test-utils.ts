import * as tf from '@tensorflow/tfjs-core';
import type { Batch, BatchOptions, Dataset, PrunableModel, Split } from '@prunekit/core';
import { VariableStore, createRng } from '@prunekit/tensor';

/** A 2-layer MLP on the store, for tests of the loop (no dependency on @prunekit/models). */
export function tinyMlp(seed: number, d = 4, h = 8, c = 3): PrunableModel & { store: VariableStore } {
  const store = new VariableStore();
  const init = (shape: number[]) => {
    const rng = createRng(seed + shape.length * 7 + shape[0]!);
    return tf.variable(
      tf.tensor(
        Float32Array.from(
          { length: shape.reduce((a, b) => a * b, 1) },
          () => rng.normal() * Math.sqrt(2 / shape[0]!),
        ),
        shape,
      ),
    );
  };
  store.addParam(
    { name: 'fc1.weight', shape: [d, h], prunable: true, role: 'weight', layer: 'fc1', layerKind: 'dense' },
    init([d, h]),
  );
  store.addParam(
    { name: 'fc1.bias', shape: [h], prunable: false, role: 'bias', layer: 'fc1', layerKind: 'dense' },
    tf.variable(tf.zeros([h])),
  );
  store.addParam(
    { name: 'fc2.weight', shape: [h, c], prunable: true, role: 'weight', layer: 'fc2', layerKind: 'dense' },
    init([h, c]),
  );
  const m = Object.assign(store, {
    store,
    name: 'tiny-mlp',
    inputShape: [d],
    outputSize: c,
    task: 'classification' as const,
    forward: (x: tf.Tensor) =>
      tf.tidy(() =>
        tf.matMul(
          tf.relu(
            tf.add(
              tf.matMul(x as tf.Tensor2D, store.variable('fc1.weight') as tf.Tensor2D),
              store.variable('fc1.bias'),
            ),
          ),
          store.variable('fc2.weight') as tf.Tensor2D,
        ),
      ),
    reinitialize: () => {},
  });
  return m as unknown as PrunableModel & { store: VariableStore };
}

/** A seeded in-memory classification dataset (3 Gaussian blobs in d dims). */
export function blobs(n = 96, d = 4, c = 3, seed = 5): Dataset {
  const rng = createRng(seed);
  const xs = new Float32Array(n * d);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ys[i] = i % c;
    for (let j = 0; j < d; j++) xs[i * d + j] = rng.normal() * 0.5 + (j === i % c ? 2 : 0);
  }
  const count = (bs: number, dropLast?: boolean) => (dropLast ? Math.floor(n / bs) : Math.ceil(n / bs));
  return {
    name: 'blobs',
    task: 'classification',
    inputShape: [d],
    outputSize: c,
    size: (s: Split) => (s === 'validation' ? 0 : n),
    batchCount: (_s, o) => count(o.batchSize, o.dropLast),
    *batches(split: Split, o: BatchOptions): Iterable<Batch> {
      const order = Array.from({ length: n }, (_, i) => i);
      if (o.shuffle ?? split === 'train') {
        const r = createRng(o.seed * 1000 + (o.epoch ?? 0));
        for (let i = n - 1; i > 0; i--) {
          const j = r.int(i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
      }
      for (let b = o.startBatch ?? 0; b < count(o.batchSize, o.dropLast); b++) {
        const idx = order.slice(b * o.batchSize, (b + 1) * o.batchSize);
        const bx = new Float32Array(idx.length * d);
        for (const [r, k] of idx.entries()) bx.set(xs.subarray(k * d, (k + 1) * d), r * d);
        yield {
          x: tf.tensor2d(bx, [idx.length, d]),
          y: tf.tensor1d(Int32Array.from(idx.map((k) => ys[k]!)), 'int32'),
        };
      }
    },
  };
}
