import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
// Backends and gradients come from the test setup (tools/vitest.setup.ts → initBackend).
import { sumConfig } from './sum.js';

/** Deterministic values: uniform(lo, lo + 2) from an LCG. */
function seeded(n: number, seed: number, lo = -1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (s / 2 ** 32) * 2;
  });
}

/** Per-channel sums of an NHWC array, in float64. */
function channelSums(values: ArrayLike<number>, channels: number): number[] {
  const out = new Array<number>(channels).fill(0);
  for (let i = 0; i < values.length; i++)
    out[i % channels] = (out[i % channels] as number) + (values[i] as number);
  return out;
}

/** The shipped wasm kernel, as captured by `sum.ts`. */
function shippedSum(x: tf.Tensor, axis: number[], keepDims = false): number[] {
  const shipped = (globalThis as Record<symbol, tf.KernelConfig>)[
    Symbol.for('@prunekit/tensor:wasm-Sum-shipped')
  ];
  if (shipped === undefined) throw new Error('shipped Sum not captured');
  const backend = tf.backend();
  const out = shipped.kernelFunc({ inputs: { x }, backend, attrs: { axis, keepDims } }) as tf.TensorInfo;
  const values = [...(backend.readSync(out.dataId) as Float32Array)];
  backend.disposeData(out.dataId);
  return values;
}

describe('Sum on wasm', () => {
  it('replaces the shipped kernel', () => {
    expect(tf.getKernel('Sum', 'wasm').kernelFunc).toBe(sumConfig.kernelFunc);
  });

  it('sums [N, H, W, C] over [0, 1, 2] (bias gradients) to float32 accuracy', () => {
    // 32·24·24·16 = 294 912 elements: the pooled path
    const shape = [32, 24, 24, 16];
    const values = seeded(32 * 24 * 24 * 16, 1, -0.9); // mean 0.1: sums ~3e4
    const x = tf.tensor4d(values, shape as [number, number, number, number]);
    const want = channelSums(values, 16);
    const scale = Math.max(...want.map(Math.abs));
    for (const [axis, keepDims, outShape] of [
      [[0, 1, 2], false, [16]],
      [[2, 0, 1], false, [16]],
      [[-4, -3, -2], true, [1, 1, 1, 16]],
    ] as const) {
      const got = tf.sum(x, [...axis], keepDims);
      expect(got.shape).toEqual(outShape);
      const err = Math.max(...[...got.dataSync()].map((v, i) => Math.abs(v - want[i]!))) / scale;
      expect(err).toBeLessThan(2e-6);
      got.dispose();
    }
    // at least as close to the exact sums as the shipped kernel (which adds N·H·W floats in a row)
    const shippedErr = Math.max(...shippedSum(x, [0, 1, 2]).map((v, i) => Math.abs(v - want[i]!)));
    const oursErr = Math.max(...[...tf.sum(x, [0, 1, 2]).dataSync()].map((v, i) => Math.abs(v - want[i]!)));
    expect(oursErr).toBeLessThanOrEqual(shippedErr);
    x.dispose();
  });

  it('gives the shipped kernel’s result bit for bit everywhere else', () => {
    const cases: [number[], number[], boolean, 'float32' | 'int32'][] = [
      [[4, 8, 8, 3], [0, 1, 2], false, 'float32'], // small: 768 elements
      [[16, 32, 32, 8], [1, 2], false, 'float32'], // other axes
      [[16, 32, 32, 8], [0, 1, 2, 3], false, 'float32'],
      [[16, 32, 32, 8], [3], true, 'float32'],
      [[512, 300], [0], false, 'float32'], // rank 2 (dense bias gradients): prunekit's colsum
      [[128, 100], [0], true, 'float32'], // colsum, keepDims
      [[37, 33], [-2], false, 'float32'], // colsum, columns not a multiple of 4, negative axis
      [[30, 30], [0], false, 'float32'], // below colsum's size: shipped
      [[512, 300], [1], false, 'float32'], // innermost axis: shipped
      [[512, 300], [0], false, 'int32'], // int32: shipped
      [[16, 32, 32, 8], [0, 1, 2], false, 'int32'],
    ];
    for (const [shape, axis, keepDims, dtype] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(
        dtype === 'int32' ? Int32Array.from(seeded(n, 2), (v) => Math.round(v * 100)) : seeded(n, 2),
        shape,
        dtype,
      );
      const got = tf.sum(x, axis, keepDims);
      expect([...got.dataSync()]).toEqual(shippedSum(x, axis, keepDims));
      tf.dispose([x, got]);
    }
  });

  it('leaks no tensors and no backend buffers', () => {
    const backend = tf.backend();
    const x = tf.tensor4d(seeded(8 * 32 * 32 * 16, 3), [8, 32, 32, 16]);
    tf.tidy(() => tf.sum(x, [0, 1, 2])).dispose(); // warm-up
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    for (const keepDims of [false, true]) {
      tf.tidy(() => {
        tf.sum(x, [0, 1, 2], keepDims).dataSync();
        tf.sum(x, [1, 2]).dataSync();
        tf.sum(tf.reshape(x, [256, 512]), 0, keepDims).dataSync(); // colsum
      });
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    x.dispose();
  });
});
