import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
// Backends come from the test setup (tools/vitest.setup.ts → initBackend).
import { sgdUpdate } from './sgd-update.js';

/** Deterministic values in (-1, 1). */
const seeded = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 0.9);

/** The composed ops the fused kernel replaces (the optimizer's fallback). */
function composed(
  w: tf.Tensor,
  g0: tf.Tensor,
  buf: tf.Tensor | undefined,
  m: tf.Tensor | undefined,
  o: { lr: number; momentum: number; weightDecay: number; nesterov: boolean },
) {
  return tf.tidy(() => {
    const masked = (t: tf.Tensor) => (m ? tf.mul(t, m) : t);
    const g = o.weightDecay ? tf.add(g0, tf.mul(w, o.weightDecay)) : g0;
    let d = g;
    let nb: tf.Tensor | undefined;
    if (buf && o.momentum) {
      nb = masked(tf.add(tf.mul(buf, o.momentum), g));
      d = o.nesterov ? tf.add(g, tf.mul(nb, o.momentum)) : nb;
    }
    const nw = masked(tf.sub(w, tf.mul(d, o.lr)));
    return nb ? [nw, nb] : [nw];
  });
}

describe('sgdUpdate (fused)', () => {
  it('gives a hand-computed step', () => {
    // w = [1, -2], g = [0.5, 0.25], buf = [1, 1], mask = [1, 0], lr 0.5, momentum 0.5, no decay:
    // buf' = (0.5·1 + g)·mask = [1, 0]; w' = (w − 0.5·buf')·mask = [0.5, 0]
    const w = tf.tensor1d([1, -2]);
    const g = tf.tensor1d([0.5, 0.25]);
    const buf = tf.tensor1d([1, 1]);
    const mask = tf.tensor1d([1, 0]);
    const out = sgdUpdate(w, g, buf, mask, { lr: 0.5, momentum: 0.5, weightDecay: 0, nesterov: false })!;
    expect([...out.w.dataSync()]).toEqual([0.5, -0]);
    expect([...out.buf!.dataSync()]).toEqual([1, 0]);
    tf.dispose([w, g, buf, mask, out.w, out.buf!]);
  });

  for (const backend of ['wasm', 'cpu']) {
    it(`is bit-identical to the composed ops on ${backend} for every option, without leaks`, async () => {
      const prev = tf.getBackend();
      await tf.setBackend(backend);
      try {
        const n = 1000;
        const w = tf.tensor2d(seeded(n, 1), [40, 25]);
        const g = tf.tensor2d(seeded(n, 2), [40, 25]);
        const buf = tf.tensor2d(seeded(n, 3), [40, 25]);
        const mask = tf.tensor2d(
          Float32Array.from(seeded(n, 4), (v) => (v > 0 ? 1 : 0)),
          [40, 25],
        );
        const before = tf.memory().numTensors;
        for (const momentum of [0, 0.9])
          for (const weightDecay of [0, 1e-4])
            for (const nesterov of [false, true])
              for (const m of [undefined, mask]) {
                const o = { lr: 0.0123, momentum, weightDecay, nesterov };
                const fused = sgdUpdate(w, g, buf, m, o)!;
                const want = composed(w, g, buf, m, o);
                expect(fused.w.dataSync()).toEqual(want[0]!.dataSync());
                if (momentum) expect(fused.buf!.dataSync()).toEqual(want[1]!.dataSync());
                else expect(fused.buf).toBeUndefined();
                tf.dispose([fused.w, ...(fused.buf ? [fused.buf] : []), ...want]);
              }
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([w, g, buf, mask]);
      } finally {
        await tf.setBackend(prev);
      }
    });
  }
});
