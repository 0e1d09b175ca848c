import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
// Backends and gradients come from the test setup (tools/vitest.setup.ts → initBackend).
import { maxPoolGradConfig } from './max-pool-grad.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number;

interface Pool {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** `dx` of the `MaxPoolGrad` kernel on `backend` (the kernel reads `input` and `dy` only). */
async function maxPoolGrad(
  backend: string,
  x: ArrayLike<number>,
  shape: Shape4,
  dy: ArrayLike<number>,
  pool: Pool,
): Promise<number[]> {
  const prev = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return tf.tidy(() => {
      const input = tf.tensor4d(Float32Array.from(x), shape);
      const output = tf.maxPool(input, pool.filterSize, pool.strides, pool.pad, pool.dimRoundingMode);
      const dyT = tf.tensor(Float32Array.from(dy), output.shape);
      const attrs = { ...pool } as unknown as tf.NamedAttrMap;
      const dx = tf.engine().runKernel('MaxPoolGrad', { dy: dyT, input, output }, attrs) as tf.Tensor;
      expect(dx.shape).toEqual(shape);
      return [...dx.dataSync()];
    });
  } finally {
    await tf.setBackend(prev);
  }
}

/** Element-wise `Object.is`: +0 ≠ −0, NaN = NaN. */
function expectSame(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  const diff = actual.flatMap((a, i) => (Object.is(a, expected[i]) ? [] : [`[${i}] ${a} ≠ ${expected[i]}`]));
  expect(diff).toEqual([]);
}

/** Hand-checked answer, on wasm and on cpu. */
async function expectGrad(
  x: number[],
  shape: Shape4,
  dy: number[],
  pool: Pool,
  want: number[],
): Promise<void> {
  expectSame(await maxPoolGrad('cpu', x, shape, dy, pool), want);
  expectSame(await maxPoolGrad('wasm', x, shape, dy, pool), want);
}

/** Deterministic values: uniform(-1, 1) from an LCG. */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

/** ReLU'd values on a coarse grid: many zero windows and many ties. */
function tied(n: number, seed: number): Float32Array {
  return seeded(n, seed).map((v) => Math.max(0, Math.round(v * 4) / 2));
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

describe('MaxPoolGrad on wasm', () => {
  it('replaces the shipped kernel', () => {
    expect(tf.getKernel('MaxPoolGrad', 'wasm').kernelFunc).toBe(maxPoolGradConfig.kernelFunc);
  });

  describe('hand-checked gradients (same on cpu)', () => {
    it('2×2 / 2 valid: a window of zeros passes its gradient to its first zero', async () => {
      // [[1, 2, 0, 0], [3, 4, 0, 0]]: window 0 → 4 (index 5), window 1 all zeros → index 2.
      // (The shipped wasm kernel drops window 1's gradient.)
      await expectGrad(
        [1, 2, 0, 0, 3, 4, 0, 0],
        [1, 2, 4, 1],
        [10, 20],
        { filterSize: 2, strides: 2, pad: 'valid' },
        [0, 0, 20, 0, 0, 10, 0, 0],
      );
    });

    it('ties go to the first maximum, also in negative windows, per channel', async () => {
      await expectGrad(
        [5, 5, 5, 5],
        [1, 2, 2, 1],
        [7],
        { filterSize: 2, strides: 2, pad: 'valid' },
        [7, 0, 0, 0],
      );
      // channel 0: [-3, -1, -1, -2] → first -1 (position 1); channel 1: [2, 2, 1, 2] → position 0
      await expectGrad(
        [-3, 2, -1, 2, -1, 1, -2, 2],
        [1, 2, 2, 2],
        [10, 20],
        { filterSize: 2, strides: 2, pad: 'same' },
        [0, 20, 10, 0, 0, 0, 0, 0],
      );
    });

    it('tells apart values one ulp apart, also among subnormals (tiled path)', async () => {
      const tiny = 2 ** -149; // the smallest subnormal float32
      const oneUp = 1 + 2 ** -23; // the float32 after 1
      // windows {0, tiny, 0, -tiny} → index 1; {1, 1, oneUp, 1} → index 6
      await expectGrad(
        [0, tiny, 1, 1, 0, -tiny, oneUp, 1],
        [1, 2, 4, 1],
        [3, 4],
        { filterSize: 2, strides: 2, pad: 'valid' },
        [0, 3, 0, 0, 0, 0, 4, 0],
      );
    });

    it("'same' on an odd size: padding is never chosen", async () => {
      // 3×3, 2×2 / 2 'same' → 2×2 outputs, padding bottom 1 and right 1.
      // windows {1, 9, 9, 2} → index 1, {4, 6} → 5, {0, 0} → 6, {-5} → 8
      await expectGrad(
        [1, 9, 4, 9, 2, 6, 0, 0, -5],
        [1, 3, 3, 1],
        [1, 2, 3, 4],
        { filterSize: 2, strides: 2, pad: 'same' },
        [0, 1, 0, 0, 0, 2, 3, 0, 4],
      );
    });

    it('overlapping windows add their gradients', async () => {
      // [1, 3, 2, 0], window 1×2, stride 1: windows → 3, 3, 2 (indices 1, 1, 2)
      await expectGrad(
        [1, 3, 2, 0],
        [1, 1, 4, 1],
        [10, 20, 30],
        { filterSize: [1, 2], strides: 1, pad: 'valid' },
        [0, 30, 30, 0],
      );
    });

    it('stride larger than the window leaves gaps without gradient', async () => {
      // [4, 1, 7, 2, 8], window 1×2, stride 3: windows {4, 1} → 0, {2, 8} → 4
      await expectGrad(
        [4, 1, 7, 2, 8],
        [1, 1, 5, 1],
        [1, 2],
        { filterSize: [1, 2], strides: [1, 3], pad: 'valid' },
        [1, 0, 0, 0, 2],
      );
    });

    it('NaN is never chosen and a window of −∞ passes no gradient', async () => {
      // [[NaN, 2, −∞, −∞], [2, 1, −∞, −∞]]: window 0 → the first 2 (index 1), window 1 → none
      const inf = Number.NEGATIVE_INFINITY;
      await expectGrad(
        [NaN, 2, inf, inf, 2, 1, inf, inf],
        [1, 2, 4, 1],
        [5, 6],
        { filterSize: 2, strides: 2, pad: 'valid' },
        [0, 5, 0, 0, 0, 0, 0, 0],
      );
    });

    it('gives +0, never −0, where no gradient arrives or dy is −0', async () => {
      const pool: Pool = { filterSize: 2, strides: 2, pad: 'valid' };
      await expectGrad([1, 2, 3, 4], [1, 2, 2, 1], [-5], pool, [0, 0, 0, -5]); // tiled path
      await expectGrad([1, 2, 3, 4], [1, 2, 2, 1], [-0], pool, [0, 0, 0, 0]);
      // the same through the general path (a NaN in x): channel 0 [1, 3, 0, 0] → index 2 gets −5,
      // channel 1 [2, 4, NaN, 0] → index 3 gets −0 + 0 = +0
      await expectGrad([1, 2, 3, 4, 0, NaN, 0, 0], [1, 2, 2, 2], [-5, -0], pool, [0, 0, -5, 0, 0, 0, 0, 0]);
    });
  });

  describe('random inputs with ties: exactly the cpu backend', () => {
    const cases: [string, Shape4, Pool][] = [
      ['2×2 / 2 same, even (tiled)', [2, 8, 8, 3], { filterSize: 2, strides: 2, pad: 'same' }],
      ['2×2 / 2 valid, even (tiled)', [2, 8, 6, 5], { filterSize: 2, strides: 2, pad: 'valid' }],
      ['2×4 / [2,4] valid (tiled)', [2, 8, 8, 3], { filterSize: [2, 4], strides: [2, 4], pad: 'valid' }],
      ['2×2 / 2 same, odd', [3, 9, 7, 4], { filterSize: 2, strides: 2, pad: 'same' }],
      ['2×2 / 2 valid, remainder', [2, 9, 9, 2], { filterSize: 2, strides: 2, pad: 'valid' }],
      ['3×3 / 2 same (overlapping)', [2, 10, 9, 3], { filterSize: 3, strides: 2, pad: 'same' }],
      ['3×3 / 1 same (overlapping)', [2, 7, 8, 3], { filterSize: 3, strides: 1, pad: 'same' }],
      ['3×2 / [2,1] valid', [2, 9, 10, 2], { filterSize: [3, 2], strides: [2, 1], pad: 'valid' }],
      ['2×2 / 3 valid (gaps)', [1, 12, 12, 2], { filterSize: 2, strides: 3, pad: 'valid' }],
      ['3×3 / 2 pad 1', [2, 8, 8, 3], { filterSize: 3, strides: 2, pad: 1 }],
      ['2×2 / 2 pad 0 ceil', [1, 7, 7, 2], { filterSize: 2, strides: 2, pad: 0, dimRoundingMode: 'ceil' }],
    ];
    it.each(cases)('%s', async (_name, shape, pool) => {
      const x = tied(size(shape), 1);
      const yShape = tf.tidy(
        () =>
          tf.maxPool(
            tf.zeros(shape) as tf.Tensor4D,
            pool.filterSize,
            pool.strides,
            pool.pad,
            pool.dimRoundingMode,
          ).shape,
      );
      const dy = seeded(size(yShape), 2);
      expectSame(await maxPoolGrad('wasm', x, shape, dy, pool), await maxPoolGrad('cpu', x, shape, dy, pool));
    });

    it('larger maps, both paths, including non-finite values', async () => {
      const shape: Shape4 = [4, 16, 16, 8];
      const pool: Pool = { filterSize: 2, strides: 2, pad: 'same' };
      const x = tied(size(shape), 3);
      const dy = seeded(size(shape) / 4, 4);
      expectSame(await maxPoolGrad('wasm', x, shape, dy, pool), await maxPoolGrad('cpu', x, shape, dy, pool));
      x[17] = NaN;
      x[100] = Number.NEGATIVE_INFINITY;
      x[1001] = Number.POSITIVE_INFINITY;
      dy[5] = Number.POSITIVE_INFINITY;
      expectSame(await maxPoolGrad('wasm', x, shape, dy, pool), await maxPoolGrad('cpu', x, shape, dy, pool));
    });

    it('through tf.grad: relu → maxPool gives the cpu gradient bit for bit', async () => {
      const grad = async (backend: string): Promise<number[]> => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const x = tf.tensor4d(seeded(2 * 12 * 12 * 4, 5), [2, 12, 12, 4]);
          const r = tf.tensor4d(seeded(2 * 6 * 6 * 4, 6), [2, 6, 6, 4]);
          const g = tf.grad((a: tf.Tensor) =>
            tf.sum(tf.mul(tf.maxPool(tf.relu(a) as tf.Tensor4D, 2, 2, 'same'), r)),
          );
          return [...g(x).dataSync()];
        });
      };
      const wasm = await grad('wasm');
      const cpu = await grad('cpu');
      await tf.setBackend('wasm');
      expectSame(wasm, cpu);
    });
  });

  it('leaks no tensors, backend buffers or wasm heap on either path', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const heap = (): number => (backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const x = tf.tensor4d(tied(4 * 16 * 16 * 8, 7), [4, 16, 16, 8]);
    const xNaN = tf.tidy(
      () => tf.concat([tf.fill([1, 16, 16, 8], NaN), tf.slice(x, [1], [3])]) as tf.Tensor4D,
    );
    const step = (): void => {
      for (const input of [x, xNaN]) {
        for (const [k, s] of [
          [2, 2],
          [3, 2],
        ] as const) {
          tf.tidy(() => {
            tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, k, s, 'same')))(input).dataSync();
          });
        }
      }
    };
    step();
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    const heapBytes = heap();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    expect(heap()).toBe(heapBytes);
    tf.dispose([x, xNaN]);
  });
});
