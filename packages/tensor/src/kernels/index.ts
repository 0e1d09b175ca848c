/**
 * Training kernels for `@tensorflow/tfjs-backend-wasm` (tfjs 4.22).
 *
 * The wasm backend ships forward convolutions (fast, XNNPACK) but no
 * `Conv2DBackpropFilter` and no depthwise gradients, and its
 * `Conv2DBackpropInput` is a scalar loop. The kernels exported here fill those
 * gaps by re-expressing each gradient as forward convolutions run by the wasm
 * backend's own kernels. See `README-kernels.md` for the math and timings.
 *
 * @packageDocumentation
 */
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';

import { batchMatMulConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-native-backprop-filter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-native-backprop-input.js';
import { identityConfig } from './identity.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { sumConfig } from './sum.js';

export { batchMatMulConfig } from './batch-mat-mul.js';
export { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
export { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
export { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-native-backprop-filter.js';
export { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-native-backprop-input.js';
export { identityConfig } from './identity.js';
export { maxPoolGradConfig } from './max-pool-grad.js';
export { sumConfig } from './sum.js';

/**
 * Every kernel config of this module, all for backend `'wasm'`:
 * `Conv2DBackpropFilter`, `Conv2DBackpropInput` (replaces the shipped one),
 * `DepthwiseConv2dNativeBackpropFilter`, `DepthwiseConv2dNativeBackpropInput`,
 * `BatchMatMul` (replaces the shipped one: transposed operands through XNNPACK),
 * `MaxPoolGrad` (replaces the shipped one: the cpu backend's gradient, faster), `Sum`
 * (replaces the shipped one: per-channel sums of NHWC maps without a transpose) and `Identity`
 * (replaces the shipped one: shares the buffer instead of copying it).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { wasmTrainingKernels } from './kernels/index.js';
 *
 * console.log(wasmTrainingKernels.map((k) => k.kernelName));
 * // register by hand (registerWasmTrainingKernels() does this idempotently):
 * for (const k of wasmTrainingKernels) {
 *   if (tf.getKernel(k.kernelName, 'wasm')) tf.unregisterKernel(k.kernelName, 'wasm');
 *   tf.registerKernel(k);
 * }
 * ```
 */
export const wasmTrainingKernels: KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  batchMatMulConfig,
  maxPoolGradConfig,
  sumConfig,
  identityConfig,
];

/**
 * Registers {@link wasmTrainingKernels} for the `'wasm'` backend. Any other
 * registration of the same kernel name for `'wasm'` (such as the shipped,
 * slow `Conv2DBackpropInput`) is unregistered first. Idempotent: kernels that
 * are already registered from this module are left alone.
 *
 * Call it once at start-up, before or after `tf.setBackend('wasm')`; it does
 * not need the backend to be initialised. Note that `@tensorflow/tfjs-core`
 * alone registers no gradients: import `@tensorflow/tfjs` or
 * `@tensorflow/tfjs-core/dist/register_all_gradients` as well to train.
 *
 * @returns the kernel names registered by this call (empty when all were
 *   already registered).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-core/dist/register_all_gradients';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { registerWasmTrainingKernels } from './kernels/index.js';
 *
 * registerWasmTrainingKernels(); // ['Conv2DBackpropFilter', 'Conv2DBackpropInput', ...]
 * registerWasmTrainingKernels(); // [] – already done
 * await tf.setBackend('wasm');
 * const [dx, dw] = tf.grads((x: tf.Tensor4D, w: tf.Tensor4D) => tf.sum(tf.conv2d(x, w, 2, 'same')))([x, w]);
 * ```
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  for (const config of wasmTrainingKernels) {
    const current = getKernel(config.kernelName, config.backendName) as KernelConfig | undefined;
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
    registered.push(config.kernelName);
  }
  return registered;
}
