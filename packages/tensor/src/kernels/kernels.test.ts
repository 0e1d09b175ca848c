import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// Backends and gradients come from the test setup (tools/vitest.setup.ts → initBackend).
import { registerWasmTrainingKernels, wasmTrainingKernels } from './index.js';
import { copySlice, planPhase } from './kernel-utils.js';

type Pad =
  | 'same'
  | 'valid'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];
type Shape4 = [number, number, number, number];

interface Case {
  name: string;
  /** x shape, NHWC */
  x: Shape4;
  /** filter shape: [fH, fW, inC, outC] (conv) or [fH, fW, inC, multiplier] (depthwise) */
  w: Shape4;
  strides: number | [number, number];
  pad: Pad;
  depthwise?: boolean;
}

const TOL = 1e-5;

/** Deterministic uniform(-1, 1) values (LCG), identical on every backend. */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** max |a − b| / max |ref|, accumulated in float64. */
function relErr(actual: ArrayLike<number>, ref: ArrayLike<number>): number {
  expect(actual.length).toBe(ref.length);
  let maxRef = 0;
  let maxDiff = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Number(ref[i]);
    maxRef = Math.max(maxRef, Math.abs(r));
    maxDiff = Math.max(maxDiff, Math.abs(Number(actual[i]) - r));
  }
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}

function forward(c: Case, x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return c.depthwise === true
    ? tf.depthwiseConv2d(x, w, c.strides, c.pad)
    : tf.conv2d(x, w, c.strides, c.pad);
}

/** dx and dw of sum(conv(x, w) · r) for a fixed random r, on `backend`. */
async function convGrads(backend: string, c: Case): Promise<[Float32Array, Float32Array]> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(seeded(size(c.x), 1), c.x);
  const w = tf.tensor4d(seeded(size(c.w), 2), c.w);
  const yShape = tf.tidy(() => forward(c, x, w).shape);
  const r = tf.tensor(seeded(size(yShape), 3), yShape);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(forward(c, a as tf.Tensor4D, b as tf.Tensor4D), r)),
  );
  const [dx, dw] = g([x, w]);
  if (dx === undefined || dw === undefined) throw new Error('missing gradient');
  const out: [Float32Array, Float32Array] = [
    (await dx.data()) as Float32Array,
    (await dw.data()) as Float32Array,
  ];
  tf.dispose([x, w, r, dx, dw]);
  return out;
}

const cases: Case[] = [];
for (const k of [1, 3, 7]) {
  for (const strides of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const h of [9, 10]) {
        // odd and even input sizes; width = h + 1 so H ≠ W
        cases.push({
          name: `${k}x${k} s${strides} ${pad} ${h}x${h + 1}`,
          x: [2, h, h + 1, 3],
          w: [k, k, 3, 5],
          strides,
          pad,
        });
      }
    }
  }
}
cases.push(
  { name: '3x3 s2 numeric pad 1', x: [2, 10, 9, 3], w: [3, 3, 3, 5], strides: 2, pad: 1 },
  {
    name: '5x5 s2 explicit asymmetric pad',
    x: [3, 12, 13, 4],
    w: [5, 5, 4, 2],
    strides: 2,
    pad: [
      [0, 0],
      [3, 1],
      [0, 4],
      [0, 0],
    ],
  },
  {
    name: '3x3 s2 explicit pad > filter',
    x: [2, 12, 13, 4],
    w: [3, 3, 4, 2],
    strides: 2,
    pad: [
      [0, 0],
      [5, 1],
      [0, 4],
      [0, 0],
    ],
  },
  { name: '3x2 strides [3,2] same', x: [2, 11, 8, 4], w: [3, 2, 4, 6], strides: [3, 2], pad: 'same' },
  { name: '3x2 strides [1,3] valid', x: [2, 11, 8, 4], w: [3, 2, 4, 6], strides: [1, 3], pad: 'valid' },
  { name: '3x3 s1 same, 16 -> 24 channels', x: [2, 8, 8, 16], w: [3, 3, 16, 24], strides: 1, pad: 'same' },
  {
    name: 'depthwise 3x3 s1 same',
    x: [2, 9, 10, 3],
    w: [3, 3, 3, 1],
    strides: 1,
    pad: 'same',
    depthwise: true,
  },
  {
    name: 'depthwise 3x3 s2 same',
    x: [2, 10, 9, 4],
    w: [3, 3, 4, 1],
    strides: 2,
    pad: 'same',
    depthwise: true,
  },
  {
    name: 'depthwise 5x5 s2 valid mult 2',
    x: [2, 11, 12, 3],
    w: [5, 5, 3, 2],
    strides: 2,
    pad: 'valid',
    depthwise: true,
  },
  {
    name: 'depthwise 3x3 s1 valid mult 3',
    x: [3, 8, 7, 2],
    w: [3, 3, 2, 3],
    strides: 1,
    pad: 'valid',
    depthwise: true,
  },
);

beforeAll(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('helpers', () => {
  it('copySlice copies a box in contiguous runs', () => {
    const src = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i); // shape [2, 3, 4]
    const dst = new Float32Array(2 * 2 * 2);
    copySlice(src, [2, 3, 4], [0, 1, 2], [2, 2, 2], dst);
    expect([...dst]).toEqual([6, 7, 10, 11, 18, 19, 22, 23]);
    const rows = new Float32Array(8);
    copySlice(src, [2, 3, 4], [0, 1, 0], [1, 2, 4], rows); // one run
    expect([...rows]).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('planPhase splits a strided 3-tap filter into its phases', () => {
    // 'same', stride 2, 8 inputs → 4 outputs, padding 0 in front
    expect(planPhase(0, 2, 3, 0, 4, 4)).toMatchObject({
      taps: 2,
      filterBegin: 0,
      window: { padBefore: 1, padAfter: 0 },
    });
    expect(planPhase(1, 2, 3, 0, 4, 4)).toMatchObject({
      taps: 1,
      filterBegin: 1,
      window: { padBefore: 0, padAfter: 0 },
    });
    // 1x1 stride 2: odd phases receive no gradient
    expect(planPhase(1, 2, 1, 0, 4, 4).taps).toBe(0);
  });
});

describe('registerWasmTrainingKernels', () => {
  it('registers every kernel for wasm, replacing the shipped Conv2DBackpropInput, idempotently', () => {
    for (const k of wasmTrainingKernels) {
      expect(k.backendName).toBe('wasm');
      expect(tf.getKernel(k.kernelName, 'wasm').kernelFunc).toBe(k.kernelFunc);
    }
    expect(wasmTrainingKernels.map((k) => k.kernelName)).toEqual(
      expect.arrayContaining(['Conv2DBackpropFilter', 'Conv2DBackpropInput']),
    );
    expect(registerWasmTrainingKernels()).toEqual([]);
  });

  it('re-registers a kernel that was replaced by someone else', () => {
    const original = tf.getKernel('Conv2DBackpropInput', 'wasm');
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({
      ...original,
      kernelFunc: () => {
        throw new Error('not ours');
      },
    });
    expect(registerWasmTrainingKernels()).toEqual(['Conv2DBackpropInput']);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc).toBe(original.kernelFunc);
  });
});

describe('Identity on wasm', () => {
  it('shares the buffer (clone copies nothing); either tensor can be disposed first', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const x = tf.tensor([1, -2, 3, -0], [2, 2]);
    const buffers = backend.numDataIds();
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    expect(backend.refCount(x.dataId)).toBe(2);
    expect(backend.numDataIds()).toBe(buffers);
    x.dispose();
    expect(Object.is(y.dataSync()[3], -0)).toBe(true);
    expect([...y.dataSync()]).toEqual([1, -2, 3, -0]);
    y.dispose();
    expect(backend.numDataIds()).toBe(buffers - 1);
  });

  it('leaves gradients through fused ops (which clone what they keep) unchanged', async () => {
    const grads = async (name: string) => {
      await tf.setBackend(name);
      return tf.tidy(() => {
        const x = tf.tensor4d(seeded(2 * 6 * 6 * 3, 7), [2, 6, 6, 3]);
        const w = tf.tensor4d(seeded(3 * 3 * 3 * 4, 8), [3, 3, 3, 4]);
        const b = tf.tensor1d(seeded(4, 9));
        const g = tf.grads((ww: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(
            tf.fused.conv2d({
              x,
              filter: ww as tf.Tensor4D,
              strides: 1,
              pad: 'same',
              bias: bb,
              activation: 'relu',
            }),
          ),
        )([w, b]);
        return g.map((t) => t.dataSync().slice() as Float32Array);
      });
    };
    const [dwW, dbW] = await grads('wasm');
    const [dwC, dbC] = await grads('cpu');
    await tf.setBackend('wasm');
    expect(relErr(dwW!, dwC!)).toBeLessThanOrEqual(TOL);
    expect(relErr(dbW!, dbC!)).toBeLessThanOrEqual(TOL);
  });
});

describe('gradients on wasm match the cpu backend', () => {
  it.each(cases)(
    '$name',
    async (c) => {
      const [dxWasm, dwWasm] = await convGrads('wasm', c);
      const [dxCpu, dwCpu] = await convGrads('cpu', c);
      await tf.setBackend('wasm');
      expect(relErr(dxWasm, dxCpu)).toBeLessThanOrEqual(TOL);
      expect(relErr(dwWasm, dwCpu)).toBeLessThanOrEqual(TOL);
    },
    30_000,
  );
});

describe('a small ResNet-style block trains identically on wasm and cpu', () => {
  it('has every gradient kernel it needs on wasm', () => {
    const needed = [
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
      'MaxPoolGrad',
      'AvgPoolGrad',
      'FusedBatchNorm',
      'Step',
      'Relu6',
      'Tile',
      'Softmax',
    ];
    expect(needed.filter((k) => tf.getKernel(k, 'wasm') === undefined)).toEqual([]);
  });

  /** conv-BN-relu → conv-BN + 1x1/2 shortcut → relu → depthwise → max/avg pool → dense → softmax CE. */
  async function blockGrads(backend: string): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    const mk = (shape: number[], seed: number, scale = 0.5): tf.Tensor =>
      tf.mul(tf.tensor(seeded(size(shape), seed), shape), scale);
    const x = mk([2, 10, 10, 3], 20, 1) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 5);
    const params = [
      mk([3, 3, 3, 6], 21), // conv1
      mk([3, 3, 6, 8], 22), // conv2, stride 2
      mk([1, 1, 3, 8], 23), // shortcut, stride 2
      mk([8], 24), // bn gamma
      mk([8], 25), // bn beta
      mk([3, 3, 8, 2], 26), // depthwise, multiplier 2
      mk([16, 5], 27), // dense
      mk([6], 28), // conv1 bias
    ];
    const loss = (
      c1: tf.Tensor,
      c2: tf.Tensor,
      sc: tf.Tensor,
      g: tf.Tensor,
      b: tf.Tensor,
      dw: tf.Tensor,
      d: tf.Tensor,
      b1: tf.Tensor,
    ): tf.Scalar => {
      const h1 = tf.fused.conv2d({
        x,
        filter: c1 as tf.Tensor4D,
        strides: 1,
        pad: 'same',
        bias: b1,
        activation: 'relu',
      });
      const h2 = tf.conv2d(h1, c2 as tf.Tensor4D, 2, 'same');
      const { mean, variance } = tf.moments(h2, [0, 1, 2]);
      const bn = tf.batchNorm(h2, mean, variance, b, g, 1e-3);
      const res = tf.relu(tf.add(bn, tf.conv2d(x, sc as tf.Tensor4D, 2, 'valid')));
      const dws = tf.relu6(tf.depthwiseConv2d(res as tf.Tensor4D, dw as tf.Tensor4D, 1, 'same'));
      const pooled = tf.avgPool(tf.maxPool(dws, 3, 1, 'same'), 5, 5, 'valid');
      const logits = tf.matMul(tf.reshape(pooled, [2, 16]), d as tf.Tensor2D);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    };
    const grads = tf.grads(loss)(params);
    const out = await Promise.all(grads.map(async (t) => (await t.data()) as Float32Array));
    tf.dispose([x, labels, ...params, ...grads]);
    return out;
  }

  it('gives the same parameter gradients on wasm as on cpu', async () => {
    const wasm = await blockGrads('wasm');
    const cpu = await blockGrads('cpu');
    await tf.setBackend('wasm');
    expect(wasm).toHaveLength(cpu.length);
    for (const [i, g] of wasm.entries()) {
      expect(relErr(g, cpu[i] ?? new Float32Array())).toBeLessThanOrEqual(TOL);
    }
  }, 30_000);
});

describe('memory', () => {
  it('leaks no tensors, no backend buffers and no wasm heap across repeated gradient calls', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend();
    const heap = (): number => (backend as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const x = tf.tensor4d(seeded(4 * 15 * 16 * 8, 4), [4, 15, 16, 8]);
    const w = tf.tensor4d(seeded(3 * 3 * 8 * 12, 5), [3, 3, 8, 12]);
    const dwise = tf.tensor4d(seeded(3 * 3 * 12 * 2, 6), [3, 3, 12, 2]);
    const step = (): void => {
      tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
          tf.sum(
            tf.depthwiseConv2d(
              tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')),
              d as tf.Tensor4D,
              2,
              'same',
            ),
          ),
        );
        const grads = g([x, w, dwise]);
        for (const t of grads) t.dataSync();
        // Direct calls of the strided conv gradient ops as well.
        const y = tf.conv2d(x, w, 2, 'valid');
        tf.conv2dTranspose(y, w, x.shape, 2, 'valid').dataSync();
        tf.grad((b: tf.Tensor) => tf.sum(tf.conv2d(x, b as tf.Tensor4D, 2, 'valid')))(w).dataSync();
      });
    };
    step();
    step();
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    const heapBytes = heap();
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    expect(heap()).toBe(heapBytes);
    tf.dispose([x, w, dwise]);
  }, 30_000);
});

describe('training', () => {
  /** conv3x3 → relu → conv3x3 stride 2 → global average → dense, plain SGD. */
  async function train(backend: string, steps: number): Promise<number[]> {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const n = 16;
      const xs = tf.tensor4d(seeded(n * 12 * 12 * 3, 7), [n, 12, 12, 3]);
      // Learnable regression target: a fixed linear map of the channel means plus a
      // non-linear (relu) term.
      const mix = tf.tensor2d(seeded(3 * 4, 8), [3, 4]);
      const means = tf.mean(xs, [1, 2]);
      const ys = tf.add(tf.matMul(means, mix), tf.relu(tf.matMul(tf.mul(means, 3), tf.reverse(mix, 1))));
      const v = (shape: number[], seed: number, scale: number): tf.Variable =>
        tf.variable(tf.mul(tf.tensor(seeded(size(shape), seed), shape), scale));
      const w1 = v([3, 3, 3, 8], 10, 0.5);
      const b1 = v([8], 11, 0.1);
      const w2 = v([3, 3, 8, 16], 12, 0.25);
      const b2 = v([16], 13, 0.1);
      const wd = v([16, 4], 14, 0.5);
      const bd = v([4], 15, 0.1);
      const model = (): tf.Scalar => {
        const h1 = tf.relu(tf.add(tf.conv2d(xs, w1 as tf.Tensor4D, 1, 'same'), b1)) as tf.Tensor4D;
        const h2 = tf.relu(tf.add(tf.conv2d(h1, w2 as tf.Tensor4D, 2, 'same'), b2));
        const pooled = tf.mean(h2, [1, 2]);
        const pred = tf.add(tf.matMul(pooled, wd as tf.Tensor2D), bd);
        return tf.losses.meanSquaredError(ys, pred) as tf.Scalar;
      };
      const opt = tf.train.sgd(0.1);
      const losses: number[] = [];
      for (let i = 0; i < steps; i++) {
        const loss = opt.minimize(model, true, [w1, b1, w2, b2, wd, bd]);
        if (loss === null) throw new Error('no loss');
        losses.push(loss.dataSync()[0] ?? NaN);
      }
      opt.dispose();
      tf.dispose([w1, b1, w2, b2, wd, bd]);
      return losses;
    });
  }

  it('a tiny conv net trained with SGD on wasm reduces its loss and follows the cpu trajectory', async () => {
    const before = tf.memory().numTensors;
    const steps = 30;
    const wasm = await train('wasm', steps);
    // The cpu backend is ~100x slower on conv gradients: compare a prefix.
    const cpuSteps = 5;
    const cpu = await train('cpu', cpuSteps);
    await tf.setBackend('wasm');
    const first = wasm[0] ?? NaN;
    const last = wasm[steps - 1] ?? NaN;
    expect(Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(0.25 * first);
    for (let i = 0; i < cpuSteps; i++) {
      expect(Math.abs((wasm[i] ?? NaN) - (cpu[i] ?? NaN))).toBeLessThanOrEqual(1e-3 * (cpu[i] ?? NaN));
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
