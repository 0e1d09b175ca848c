/**
 * `BatchMatMul` for the wasm backend with fast transposed operands.
 *
 * The shipped wasm `BatchMatMul` runs XNNPACK only when neither operand is
 * transposed; with `transposeA` or `transposeB` it falls back to a scalar loop
 * that is 8–10× slower. Training hits exactly those cases: the gradient of
 * `y = x·W` is `dW = xᵀ·dy` (`transposeA`) and `dx = dy·Wᵀ` (`transposeB`).
 * On LeNet-300-100 (batch 128) `dW` of the first layer alone cost half of a
 * training step. This kernel transposes explicitly (the wasm `Transpose`
 * kernel) and calls the shipped kernel untransposed; of the two equivalent
 * forms `op(a)·op(b)` and `(op(b)ᵀ·op(a)ᵀ)ᵀ` it picks the one that moves fewer
 * elements. Untransposed products go straight to the shipped kernel
 * (bit-identical to before).
 *
 * @packageDocumentation
 */
import '@tensorflow/tfjs-backend-wasm';
import { BatchMatMul, getKernel } from '@tensorflow/tfjs-core';
import type {
  BatchMatMulAttrs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { KernelScope, WASM } from './kernel-utils.js';

/** Global keys, so that module re-evaluation (test isolation) finds the same shipped kernel. */
const SHIPPED = Symbol.for('@prunekit/tensor:wasm-BatchMatMul-shipped');
const OURS = Symbol.for('@prunekit/tensor:wasm-BatchMatMul-ours');

type Stash = { [SHIPPED]?: KernelConfig };

/** The kernel registered by `@tensorflow/tfjs-backend-wasm`, captured before it is replaced. */
function shipped(): KernelConfig {
  const g = globalThis as Stash;
  if (g[SHIPPED] === undefined) {
    const current = getKernel(BatchMatMul, WASM) as KernelConfig | undefined;
    if (current === undefined || (current.kernelFunc as { [OURS]?: true })[OURS]) {
      throw new Error(`the wasm backend's own '${BatchMatMul}' kernel is not registered`);
    }
    g[SHIPPED] = current;
  }
  return g[SHIPPED];
}
shipped(); // capture now: registerWasmTrainingKernels() replaces it later

const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** The permutation swapping the last two axes. */
function swapLast(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

const batchMatMul = ((args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: KernelBackend;
  attrs: BatchMatMulAttrs;
}) => {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs;
  const run = shipped().kernelFunc;
  if (!transposeA && !transposeB) return run(args as unknown as Parameters<KernelFunc>[0]);
  const plain = { transposeA: false, transposeB: false };
  const s = new KernelScope(backend);
  try {
    const ra = a.shape.length;
    const rb = b.shape.length;
    const batch = Math.max(size(a.shape.slice(0, -2)), size(b.shape.slice(0, -2)));
    const outSize =
      batch *
      (transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!) *
      (transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!);
    // op(a)·op(b): transpose the transposed operands. (op(b)ᵀ·op(a)ᵀ)ᵀ: transpose the others and the result.
    const direct = (transposeA ? size(a.shape) : 0) + (transposeB ? size(b.shape) : 0);
    const flipped = (transposeA ? 0 : size(a.shape)) + (transposeB ? 0 : size(b.shape)) + outSize;
    if (direct <= flipped) {
      const a2 = transposeA ? s.transpose(a, swapLast(ra)) : a;
      const b2 = transposeB ? s.transpose(b, swapLast(rb)) : b;
      return s.keep(s.run(BatchMatMul, { a: a2, b: b2 }, { ...attrs, ...plain }));
    }
    const bt = transposeB ? b : s.transpose(b, swapLast(rb));
    const at = transposeA ? a : s.transpose(a, swapLast(ra));
    const prod = s.run(BatchMatMul, { a: bt, b: at }, { ...attrs, ...plain });
    return s.keep(s.transpose(prod, swapLast(prod.shape.length)));
  } finally {
    s.dispose();
  }
}) as unknown as KernelFunc;
(batchMatMul as unknown as { [OURS]: true })[OURS] = true;

/**
 * Kernel config: `BatchMatMul` for `'wasm'` (replaces the shipped one; same results when neither
 * operand is transposed, XNNPACK instead of a scalar loop when one is).
 *
 * @example
 * ```ts
 * registerWasmTrainingKernels(); // includes batchMatMulConfig
 * tf.matMul(x, dy, true, false); // xᵀ·dy through XNNPACK
 * ```
 */
export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: WASM,
  // The shipped kernel binds its wasm function in its setup; run it when the backend starts.
  setupFunc: (backend) => shipped().setupFunc?.(backend),
  kernelFunc: batchMatMul,
};
