/**
 * `Sum` for the wasm backend with a fast per-channel sum of NHWC maps.
 *
 * The shipped wasm `Sum` reduces innermost axes only: for any other axes it first transposes the
 * whole input (`permuteAxesAndTranspose`). Training reduces `[N, H, W, C]` over `[0, 1, 2]` at
 * every conv layer — the bias gradient of `fused.conv2d` and the batch-norm sums — so each of
 * those calls moves the full activation gradient once through a scalar transpose, then sums
 * rows of `N·H·W` values (~32 ms for `[128, 28, 28, 64]`). Here that case is an XNNPACK average
 * pool over the `H × W` window (one vectorised pass, `[N, 1, 1, C]`), a sum over `N` of the small
 * result and a multiplication by `H·W` (~1.5 ms). A float32 `[rows, cols]` summed over axis 0
 * (the bias gradient of a dense layer) is one SIMD pass of `colsum` (`../sparse/sparse.c`) in
 * tfjs's heap, rows added in order. Every other call goes to the shipped kernel unchanged.
 *
 * The result is the same sum up to float32 rounding (a few ulp: the order of additions differs,
 * and the mean is scaled back by `H·W`); with `N·H·W` terms added in float32 by the shipped
 * kernel versus `H·W` then `N` here, it is usually closer to the exact sum.
 *
 * @packageDocumentation
 */
import '@tensorflow/tfjs-backend-wasm';
import { getKernel, Sum, util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelScope, WASM } from './kernel-utils.js';
import { KernelMemory } from '../sparse/backend-memory.js';

/** Global keys, so that module re-evaluation (test isolation) finds the same shipped kernel. */
const SHIPPED = Symbol.for('@prunekit/tensor:wasm-Sum-shipped');
const OURS = Symbol.for('@prunekit/tensor:wasm-Sum-ours');

type Stash = { [SHIPPED]?: KernelConfig };

/** The kernel registered by `@tensorflow/tfjs-backend-wasm`, captured before it is replaced. */
function shipped(): KernelConfig {
  const g = globalThis as Stash;
  if (g[SHIPPED] === undefined) {
    const current = getKernel(Sum, WASM) as KernelConfig | undefined;
    if (current === undefined || (current.kernelFunc as { [OURS]?: true })[OURS]) {
      throw new Error(`the wasm backend's own '${Sum}' kernel is not registered`);
    }
    g[SHIPPED] = current;
  }
  return g[SHIPPED];
}
shipped(); // capture now: registerWasmTrainingKernels() replaces it later

/** Below this many elements the shipped kernel's transpose is cheap; keep its exact result. */
const MIN_SIZE = 1 << 15;

/**
 * From this many elements a leading-axis sum of a matrix runs `colsum` (rows added in order:
 * bit-identical to the shipped kernel, checked in sum.test.ts; smaller ones are not worth a call).
 */
const MIN_ROW_SUM_SIZE = 1 << 10;

/** True for `axis` = `[0, 1, 2]` of a rank-4 input, in any order and with negative indices. */
function isLeadingThree(axis: number | number[], rank: number): boolean {
  if (rank !== 4) return false;
  const axes = util.parseAxisParam(axis, [0, 0, 0, 0]).map((a) => (a < 0 ? a + rank : a));
  return axes.length === 3 && [0, 1, 2].every((a) => axes.includes(a));
}

/** Rows summed by the column-sum path: `x` `[rows, cols]` reduced over axis 0 (a dense bias gradient). */
function leadingRowSum(
  axis: number | number[],
  shape: readonly number[],
): { rows: number; cols: number } | undefined {
  if (shape.length !== 2) return undefined;
  const axes = util.parseAxisParam(axis, [...shape]).map((a) => (a < 0 ? a + 2 : a));
  if (axes.length !== 1 || axes[0] !== 0) return undefined;
  return { rows: shape[0]!, cols: shape[1]! };
}

const sum = ((args: { inputs: { x: TensorInfo }; backend: KernelBackend; attrs: SumAttrs }) => {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const rowSum = x.dtype === 'float32' ? leadingRowSum(attrs.axis, x.shape) : undefined;
  if (rowSum && rowSum.rows * rowSum.cols >= MIN_ROW_SUM_SIZE) {
    // One SIMD pass in prunekit's wasm module, inside tfjs's heap (the shipped kernel transposes first).
    const shape = attrs.keepDims ? [1, rowSum.cols] : [rowSum.cols];
    return KernelMemory.run(backend, (m) => {
      const out = m.output(shape);
      m.engine.fn.colsum(m.input(x), rowSum.rows, rowSum.cols, out.p);
      return m.finish(out, shape);
    });
  }
  const [n = 0, h = 0, w = 0, c = 0] = x.shape;
  if (
    x.dtype !== 'float32' ||
    !isLeadingThree(attrs.axis, x.shape.length) ||
    h * w < 2 ||
    n * h * w * c < MIN_SIZE
  ) {
    return shipped().kernelFunc(args as unknown as Parameters<KernelFunc>[0]);
  }
  const s = new KernelScope(backend);
  try {
    // Per image and channel: the mean over H × W (XNNPACK, no transpose) …
    const means = s.run('AvgPool', { x }, { filterSize: [h, w], strides: [h, w], pad: 'valid' });
    // … summed over the batch (a small [N, C] → [C] reduction) and scaled back to a sum.
    const perChannel = s.run(Sum, { x: s.reshape(means, [n, c]) }, { axis: [0], keepDims: false });
    const total = s.run('Multiply', { a: perChannel, b: s.fill([], h * w) });
    return s.keep(attrs.keepDims ? s.reshape(total, [1, 1, 1, c]) : total);
  } finally {
    s.dispose();
  }
}) as unknown as KernelFunc;
(sum as unknown as { [OURS]: true })[OURS] = true;

/**
 * Kernel config: `Sum` for `'wasm'` (replaces the shipped one; a float32 `[N, H, W, C]` summed
 * over `[0, 1, 2]` — conv bias gradients, batch-norm sums — goes through an XNNPACK average pool
 * instead of a full transpose; everything else runs the shipped kernel).
 *
 * @example
 * ```ts
 * registerWasmTrainingKernels(); // includes sumConfig
 * tf.sum(dy, [0, 1, 2]); // [C]: the bias gradient of a conv layer, ~10× faster
 * ```
 */
export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: WASM,
  // The shipped kernel binds its wasm function in its setup; run it when the backend starts.
  setupFunc: (backend) => shipped().setupFunc?.(backend),
  kernelFunc: sum,
};
