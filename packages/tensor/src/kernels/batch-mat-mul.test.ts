import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
// Backends and gradients come from the test setup (tools/vitest.setup.ts → initBackend).
import { batchMatMulConfig } from './batch-mat-mul.js';

/** Deterministic values in (-1, 1). */
const seeded = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 0.9);

/** Run `f` on a backend and return its values (plain numbers). */
async function on(backend: string, f: () => tf.Tensor): Promise<{ shape: number[]; data: number[] }> {
  const prev = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const t = tf.tidy(f);
    const out = { shape: [...t.shape], data: [...t.dataSync()] };
    t.dispose();
    return out;
  } finally {
    await tf.setBackend(prev);
  }
}

describe('BatchMatMul on wasm', () => {
  it('is registered for wasm', () => {
    expect(tf.getKernel('BatchMatMul', 'wasm').kernelFunc).toBe(batchMatMulConfig.kernelFunc);
  });

  it('gives a hand-computed product for every combination of transposes', async () => {
    // a = [[1, 2], [3, 4]], b = [[5, 6], [7, 8]]
    const a = () => tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const b = () => tf.tensor2d([5, 6, 7, 8], [2, 2]);
    const cases: [boolean, boolean, number[]][] = [
      [false, false, [19, 22, 43, 50]], // a·b
      [true, false, [26, 30, 38, 44]], // aᵀ·b
      [false, true, [17, 23, 39, 53]], // a·bᵀ
      [true, true, [23, 31, 34, 46]], // aᵀ·bᵀ
    ];
    for (const [ta, tb, want] of cases) {
      const got = await on('wasm', () => tf.matMul(a(), b(), ta, tb));
      expect(got.data).toEqual(want);
    }
  });

  it('matches the cpu backend on non-square, batched and broadcast operands (both evaluation orders)', async () => {
    // [shape a, shape b, transposeA, transposeB]; the 3rd and 5th take the flipped order (op(b)ᵀ·op(a)ᵀ)ᵀ.
    const cases: [number[], number[], boolean, boolean][] = [
      [[6, 5], [6, 4], true, false],
      [[3, 5], [7, 5], false, true],
      [[2, 3], [40, 3], false, true],
      [[2, 6, 5], [2, 6, 4], true, false],
      [[1, 3, 2], [4, 30, 2], false, true],
      [[2, 4, 3], [2, 5, 4], true, true],
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const f = () =>
        tf.matMul(
          tf.tensor(
            seeded(
              sa.reduce((p, d) => p * d, 1),
              1,
            ),
            sa,
          ),
          tf.tensor(
            seeded(
              sb.reduce((p, d) => p * d, 1),
              2,
            ),
            sb,
          ),
          ta,
          tb,
        );
      const want = await on('cpu', f);
      const got = await on('wasm', f);
      expect(got.shape).toEqual(want.shape);
      for (let i = 0; i < want.data.length; i++) expect(got.data[i]).toBeCloseTo(want.data[i]!, 5);
    }
  });

  it('leaks no tensors and no backend buffers', async () => {
    const prev = tf.getBackend();
    await tf.setBackend('wasm');
    try {
      const a = tf.tensor2d(seeded(12, 3), [4, 3]);
      const b = tf.tensor2d(seeded(20, 4), [4, 5]);
      tf.tidy(() => tf.matMul(a, b, true, false)).dispose(); // warm-up
      const count = () => {
        const m = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
        return [m.numTensors, m.numDataBuffers];
      };
      const before = count();
      for (const [ta, tb] of [
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        tf.tidy(() => {
          tf.matMul(ta ? a : tf.transpose(a), tb ? tf.transpose(b) : b, ta, tb);
        });
      }
      expect(count()).toEqual(before);
      tf.dispose([a, b]);
    } finally {
      await tf.setBackend(prev);
    }
  });
});
