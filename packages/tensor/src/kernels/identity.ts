import { Identity } from '@tensorflow/tfjs-core';
import type {
  IdentityInputs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';

import { WASM } from './kernel-utils.js';

/**
 * `Identity` for the wasm backend that shares its input's buffer (one more reference to it), as
 * the cpu backend's does and the wasm `Reshape` already does, instead of copying it. tfjs runs
 * `Identity` for every `tf.clone`, and its fused ops (`fused.conv2d`, `fused.matMul`) clone their
 * input and output to keep them for the gradient: on Conv-4 at batch 128 that copied ~80 MB of
 * activations per training step. Buffers are immutable in tfjs, so sharing is safe; the one
 * in-place writer of this package (`multiplyInPlace`) works in place only on a buffer with a
 * single reference.
 *
 * @example
 * ```ts
 * tf.registerKernel(identityConfig); // registerWasmTrainingKernels() does this
 * const y = tf.clone(x); // no copy on wasm
 * ```
 */
function identity(args: { inputs: IdentityInputs; backend: KernelBackend }): TensorInfo {
  const { x } = args.inputs;
  if (x === undefined) throw new Error('Identity: input x is required.');
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** The sharing `Identity` for `'wasm'` (replaces the shipped copying one). */
export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: WASM,
  kernelFunc: identity as unknown as KernelFunc,
};
