/**
 * The interim main job (until the `prunekit` CLI lands): train a tiny MLP on a seeded synthetic
 * task on the best available backend, prune it with global magnitude pruning for three rounds
 * under learning-rate rewinding, and print accuracy and density per round.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, initBackend } from '@prunekit/tensor';

async function main(): Promise<void> {
  const choice = await initBackend();
  const rng = createRng(0);
  const n = 2048;
  const d = 20;
  // Two Gaussian classes separated along a random direction.
  const xs = new Float32Array(n * d);
  const ys = new Int32Array(n);
  const dir = Array.from({ length: d }, () => rng.normal());
  const norm = Math.hypot(...dir);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    ys[i] = c;
    for (let j = 0; j < d; j++) xs[i * d + j] = rng.normal() + (c ? 1.2 : -1.2) * (dir[j]! / norm);
  }
  const x = tf.tensor2d(xs, [n, d]);
  const y = tf.oneHot(tf.tensor1d(ys, 'int32'), 2);
  const init = (shape: [number, number]) =>
    tf.variable(
      tf.tensor2d(
        Float32Array.from({ length: shape[0] * shape[1] }, () => rng.normal() * Math.sqrt(2 / shape[0])),
        shape,
      ),
    );
  const w1 = init([d, 64]);
  const w2 = init([64, 2]);
  const masks: tf.Tensor[] = [tf.onesLike(w1), tf.onesLike(w2)];
  const forward = () => tf.matMul(tf.relu(tf.matMul(x, w1)), w2);
  const accuracy = () =>
    tf.tidy(
      () => tf.mean(tf.cast(tf.equal(tf.argMax(forward(), 1), tf.argMax(y, 1)), 'float32')).dataSync()[0]!,
    );
  const train = (steps: number) => {
    for (let s = 0; s < steps; s++) {
      const lr = 0.1 * 0.5 * (1 + Math.cos((Math.PI * s) / steps)); // cosine, restarted per round (LRR)
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(y, forward()) as tf.Scalar,
          [w1, w2],
        );
        for (const [i, v] of [w1, w2].entries())
          v.assign(tf.mul(tf.sub(v, tf.mul(grads[v.name]!, lr)), masks[i]!));
      });
    }
  };
  const t0 = performance.now();
  train(100);
  console.log(`dense: accuracy ${(accuracy() * 100).toFixed(1)}%`);
  for (let round = 1; round <= 3; round++) {
    // Global magnitude: prune 20% of the surviving weights.
    const alive = [w1, w2].flatMap((v, i) => {
      const w = v.dataSync();
      const m = masks[i]!.dataSync();
      return Array.from(w)
        .filter((_, k) => m[k] === 1)
        .map(Math.abs);
    });
    alive.sort((a, b) => a - b);
    const threshold = alive[Math.floor(0.2 * alive.length)]!;
    for (const [i, v] of [w1, w2].entries()) {
      const next = tf.tidy(() =>
        tf.mul(masks[i]!, tf.cast(tf.greaterEqual(tf.abs(v), threshold), 'float32')),
      );
      masks[i]!.dispose();
      masks[i] = next;
      tf.tidy(() => v.assign(tf.mul(v, next)));
    }
    train(100);
    const kept = masks.reduce((s, m) => s + tf.sum(m).dataSync()[0]!, 0);
    const total = masks.reduce((s, m) => s + m.size, 0);
    console.log(
      `round ${round}: density ${((kept / total) * 100).toFixed(1)}%, accuracy ${(accuracy() * 100).toFixed(1)}%`,
    );
  }
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s on ${choice.engine}`);
  tf.dispose([x, y, w1, w2, ...masks]);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
