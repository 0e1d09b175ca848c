/**
 * One fused kernel for a masked SGD step of one parameter: weight decay, momentum (or
 * Nesterov), the update and the mask, in a single SIMD pass over the values (`sgd_update` in
 * sparse/sparse.c) — the same float32 arithmetic, in the same order, as the composed ops, so
 * results are bit-identical to them. Replaces ~8 kernels and their scalars per parameter. On the
 * wasm backend it runs inside tfjs's heap (no copies).
 *
 * @packageDocumentation
 */
import { sizeOf } from '@prunekit/core';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelMemory } from '../sparse/backend-memory.js';
import { SPARSE_BACKENDS } from '../sparse/sparse-op.js';

/** Kernel name (inputs `w`, `g`, optional `buf`, `mask`; outputs `[w', buf']`). */
export const SGD_UPDATE = 'PrunekitSgdUpdate';

/** The backends the fused update is registered for: those of the sparse kernels (host-visible memory). */
export const SGD_UPDATE_BACKENDS: readonly string[] = SPARSE_BACKENDS;

/** Hyper-parameters of {@link sgdUpdate}. */
export interface SgdUpdateOptions {
  /** Learning rate. */
  readonly lr: number;
  /** Momentum (0: plain SGD, `buf` unused). */
  readonly momentum: number;
  /** L2 weight decay added to the gradient. */
  readonly weightDecay: number;
  /** Nesterov momentum. */
  readonly nesterov: boolean;
}

const kernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { w, g, buf, mask } = inputs as { w: TensorInfo; g: TensorInfo; buf?: TensorInfo; mask?: TensorInfo };
  const o = attrs as unknown as SgdUpdateOptions;
  const n = sizeOf(w.shape);
  const shape = [...w.shape];
  const momentum = o.momentum !== 0 && buf !== undefined;
  const flags = (o.weightDecay !== 0 ? 1 : 0) | (momentum ? 2 : 0) | (o.nesterov ? 4 : 0) | (mask ? 8 : 0);
  return KernelMemory.run(backend, (m) => {
    const ow = m.output(shape);
    const ob = momentum ? m.output(shape) : undefined;
    m.engine.fn.sgd_update(
      m.input(w),
      m.input(g),
      momentum ? m.input(buf!) : 0,
      mask ? m.input(mask) : 0,
      ow.p,
      ob ? ob.p : 0,
      n,
      o.lr,
      o.momentum,
      o.weightDecay,
      flags,
    );
    return ob ? [m.finish(ow, shape), m.finish(ob, shape)] : [m.finish(ow, shape)];
  });
};

let registered = false;

/** Register the fused update for {@link SGD_UPDATE_BACKENDS} (idempotent). */
export function registerSgdUpdate(): void {
  if (registered) return;
  for (const backendName of SGD_UPDATE_BACKENDS) {
    if (!tf.getKernel(SGD_UPDATE, backendName))
      tf.registerKernel({ kernelName: SGD_UPDATE, backendName, kernelFunc: kernel });
  }
  registered = true;
}

/**
 * One SGD step of one float32 parameter, fused: `g' = g + wd·w`; with momentum
 * `buf' = (mom·buf + g')·mask`, `d = nesterov ? g' + mom·buf' : buf'`; `w' = (w − lr·d)·mask`.
 * Returns the new weight and momentum buffer (new tensors; the caller assigns them), or
 * `undefined` on a backend without the kernel (tfjs-node, WebGL: compose the ops instead).
 *
 * @example
 * ```ts
 * const out = sgdUpdate(w, g, buf, mask, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: false });
 * if (out) { w.assign(out.w); buf.assign(out.buf!); tf.dispose([out.w, out.buf!]); }
 * ```
 */
export function sgdUpdate(
  w: tf.Tensor,
  g: tf.Tensor,
  buf: tf.Tensor | undefined,
  mask: tf.Tensor | undefined,
  options: SgdUpdateOptions,
): { w: tf.Tensor; buf?: tf.Tensor } | undefined {
  if (!SGD_UPDATE_BACKENDS.includes(tf.getBackend())) return undefined;
  for (const t of [w, g, buf, mask]) {
    if (t && (t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, w.shape))) return undefined;
  }
  registerSgdUpdate();
  const inputs: Record<string, tf.Tensor> = { w, g };
  if (buf && options.momentum !== 0) inputs.buf = buf;
  if (mask) inputs.mask = mask;
  const out = tf
    .engine()
    .runKernel(SGD_UPDATE, inputs, { ...options } as unknown as NamedAttrMap) as tf.Tensor[];
  return out.length === 2 ? { w: out[0]!, buf: out[1]! } : { w: out[0]! };
}
