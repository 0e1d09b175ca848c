/**
 * The sparse products as tfjs kernels with a gradient, so `tf.variableGrads` and the optimizers
 * see an ordinary op: {@link sparseMatMulOp}. Registered for the `wasm` and `cpu` backends (the
 * engines whose tensors live in host-visible memory); {@link sparseMatMulSupported} tells.
 *
 * @packageDocumentation
 */
import { PruneError } from '@prunekit/core';
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelMemory } from './backend-memory.js';
import type { SparsePattern } from './sparse-matmul.js';

/** Kernel names (inputs `x` `[batch, in]`, `w` `[in, out]`; attr `pattern`). */
export const SPARSE_MATMUL = 'PrunekitSparseMatMul';
const GRAD_INPUT = 'PrunekitSparseMatMulGradInput';
const GRAD_WEIGHT = 'PrunekitSparseMatMulGradWeight';

/** The backends the sparse kernels are registered for. */
export const SPARSE_BACKENDS: readonly string[] = ['wasm', 'cpu'];

function patternOf(attrs: NamedAttrMap | undefined): SparsePattern {
  return (attrs as unknown as { pattern: SparsePattern }).pattern;
}

const forward: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, w } = inputs as { x: TensorInfo; w: TensorInfo };
  const p = patternOf(attrs);
  const batch = x.shape[0]!;
  const shape = [batch, p.cols];
  return KernelMemory.run(backend, (m) => {
    const y = m.output(shape);
    m.engine.matMul(m.input(x), batch, m.input(w), p, y.p);
    return m.finish(y, shape);
  });
};

const gradInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, w } = inputs as { dy: TensorInfo; w: TensorInfo };
  const p = patternOf(attrs);
  const batch = dy.shape[0]!;
  const shape = [batch, p.rows];
  return KernelMemory.run(backend, (m) => {
    const dx = m.output(shape);
    m.engine.gradInput(m.input(dy), batch, m.input(w), p, dx.p);
    return m.finish(dx, shape);
  });
};

const gradWeight: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const p = patternOf(attrs);
  const shape = [p.rows, p.cols];
  return KernelMemory.run(backend, (m) => {
    const dw = m.output(shape);
    m.engine.gradWeight(m.input(x), m.input(dy), x.shape[0]!, p, dw.p);
    return m.finish(dw, shape);
  });
};

/** The gradient: each input's is computed only when the tape needs it (not `dx` of a first layer). */
const gradConfig: GradConfig = {
  kernelName: SPARSE_MATMUL,
  inputsToSave: ['x', 'w'],
  gradFunc: (dy, saved, attrs) => {
    const [x, w] = saved as [tf.Tensor, tf.Tensor];
    const d = dy as tf.Tensor;
    return {
      x: () => tf.engine().runKernel(GRAD_INPUT, { dy: d, w: w as tf.Tensor }, attrs) as tf.Tensor,
      w: () => tf.engine().runKernel(GRAD_WEIGHT, { x: x as tf.Tensor, dy: d }, attrs) as tf.Tensor,
    };
  },
};

let registered = false;

/**
 * Register the kernels and their gradient (idempotent; {@link sparseMatMulOp} calls it).
 *
 * @example
 * ```ts
 * registerSparseKernels();
 * tf.getKernel('PrunekitSparseMatMul', 'wasm'); // defined
 * ```
 */
export function registerSparseKernels(): void {
  if (registered) return;
  for (const backendName of SPARSE_BACKENDS) {
    for (const [kernelName, kernelFunc] of [
      [SPARSE_MATMUL, forward],
      [GRAD_INPUT, gradInput],
      [GRAD_WEIGHT, gradWeight],
    ] as const) {
      if (!tf.getKernel(kernelName, backendName)) {
        tf.registerKernel({ kernelName, backendName, kernelFunc } satisfies KernelConfig);
      }
    }
  }
  if (!tf.getGradient(SPARSE_MATMUL)) tf.registerGradient(gradConfig);
  registered = true;
}

/**
 * Whether the active backend runs the sparse kernels (`wasm` and `cpu`; tfjs-node and WebGL
 * keep their dense products).
 *
 * @example
 * ```ts
 * if (sparseMatMulSupported()) y = sparseMatMulOp(x, w, pattern);
 * ```
 */
export function sparseMatMulSupported(): boolean {
  return SPARSE_BACKENDS.includes(tf.getBackend());
}

/**
 * `x · W` with `W`'s pruned entries skipped: `x` `[batch, in]`, `w` `[in, out]`, `pattern`
 * the unpruned entries of `w` ({@link SparsePattern.fromMask}). Values of `w` outside the
 * pattern are treated as zero, and its gradient there is zero. Differentiable (a tape op).
 *
 * @example
 * ```ts
 * const p = SparsePattern.fromMask(Uint8Array.of(1, 0, 0, 1), 2, 2);
 * sparseMatMulOp(tf.tensor2d([[1, 2]]), tf.tensor2d([[3, 9], [9, 5]]), p); // [[3, 10]]
 * ```
 */
export function sparseMatMulOp(x: tf.Tensor2D, w: tf.Tensor2D, pattern: SparsePattern): tf.Tensor2D {
  registerSparseKernels();
  if (x.rank !== 2 || w.rank !== 2 || w.shape[0] !== pattern.rows || w.shape[1] !== pattern.cols) {
    throw new PruneError(
      'E_SHAPE',
      `sparseMatMulOp: x [${x.shape.join(', ')}] · w [${w.shape.join(', ')}] does not fit a pattern of [${pattern.rows}, ${pattern.cols}]`,
      { hint: 'build the SparsePattern from the mask of this weight; x must be [batch, in]' },
    );
  }
  return tf.tidy(
    () =>
      tf.engine().runKernel(SPARSE_MATMUL, { x: x.dtype === 'float32' ? x : tf.cast(x, 'float32'), w }, {
        pattern,
      } as unknown as NamedAttrMap) as tf.Tensor2D,
  );
}

/**
 * Density at or below which masked dense layers use the sparse kernels, unless configured:
 * measured on LeNet-300-100 (batch 128, wasm, after warm-up) the sparse step is as fast as the
 * dense one at 0.5 on two threads (faster at 0.6 on one) and 3.5× faster at 0.1
 * (`node apps/bench/dist/profile-step.js --model lenet-300-100 --density d`).
 */
export const DEFAULT_SPARSE_DENSITY = 0.45;

/**
 * The density threshold of the sparse path: `PRUNEKIT_SPARSE_DENSITY` (a number in [0, 1]; 0
 * turns the sparse path off) or {@link DEFAULT_SPARSE_DENSITY}. Throws `E_USAGE` naming the
 * variable when it is not such a number.
 *
 * @example
 * ```ts
 * process.env.PRUNEKIT_SPARSE_DENSITY = '0';
 * sparseDensityThreshold(); // 0: always dense
 * ```
 */
export function sparseDensityThreshold(env: Record<string, string | undefined> = process.env): number {
  const raw = env.PRUNEKIT_SPARSE_DENSITY;
  if (raw === undefined || raw.trim() === '') return DEFAULT_SPARSE_DENSITY;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0 || v > 1) {
    throw new PruneError(
      'E_USAGE',
      `PRUNEKIT_SPARSE_DENSITY is '${raw}'; it must be a density in [0, 1] (0 turns the sparse kernels off)`,
      { hint: `unset it for the default ${DEFAULT_SPARSE_DENSITY}` },
    );
  }
  return v;
}
