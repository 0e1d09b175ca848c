import { backend_util, Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import type {
  Conv2DBackpropInputAttrs,
  Conv2DBackpropInputInputs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';

import { assertNHWC, KernelScope, shape4, transposedConvByPhases, WASM } from './kernel-utils.js';

/**
 * Gradient of a 2-D convolution with respect to its input (a transposed
 * convolution), expressed as forward convolutions run by the wasm backend's
 * (XNNPACK) `Conv2D` kernel.
 *
 * Stride 1: `dx = conv2d(dy, flip_hw(w)ᵀ, stride 1, pad (fH−1−pt, ·))`, where
 * `flip_hw(w)ᵀ` is the filter reversed in H and W with in/out channels swapped
 * (`[fH, fW, outC, inC]`).
 *
 * Stride `s > 1`: instead of convolving a zero-dilated `dy` (≈ s² times the
 * work, mostly multiplying zeros) the input gradient is split into its `sh·sw`
 * phases `dx[p::sh, q::sw]`. Each phase is an ordinary stride-1 convolution of
 * `dy` with the sub-filter `flip(w)[rp::sh, rq::sw]`, and the phases are
 * interleaved back with a concat + reshape + transpose. The total
 * multiply-add count equals that of the forward convolution.
 */
function conv2DBackpropInput(args: {
  inputs: Conv2DBackpropInputInputs;
  backend: KernelBackend;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (dy === undefined || filter === undefined)
    throw new Error('Conv2DBackpropInput: inputs dy and filter are required.');
  assertNHWC(Conv2DBackpropInput, dataFormat);

  const dyShape = shape4(dy.shape, 'Conv2DBackpropInput: dy');
  const filterShape = shape4(filter.shape, 'Conv2DBackpropInput: filter');
  const convInfo = backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    strides,
    1 /* dilations */,
    pad,
    dimRoundingMode,
    false /* depthwise */,
    'channelsLast',
  );
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    filterHeight,
    filterWidth,
    strideHeight: sh,
    strideWidth: sw,
    padInfo,
  } = convInfo;
  const expected = [batchSize, outHeight, outWidth, outChannels];
  if (dyShape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `Conv2DBackpropInput: dy shape [${dyShape.join(', ')}] does not match the convolution output [${expected.join(', ')}].`,
    );
  }

  const s = new KernelScope(backend);
  try {
    // Flipped, channel-swapped filter: wf[a, b, o, c] = w[fH-1-a, fW-1-b, c, o].
    const wRev = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const wf = s.transpose(wRev, [0, 1, 3, 2]);
    const dx = transposedConvByPhases(
      s,
      dy,
      wf,
      {
        batch: batchSize,
        inHeight,
        inWidth,
        inChannels,
        outHeight,
        outWidth,
        filterHeight,
        filterWidth,
        strideHeight: sh,
        strideWidth: sw,
        padTop: padInfo.top,
        padLeft: padInfo.left,
      },
      (x, f, pad) =>
        s.run('Conv2D', { x, filter: f }, { strides: [1, 1], dilations: [1, 1], pad, dataFormat: 'NHWC' }),
    );
    return s.keep(dx);
  } finally {
    s.dispose();
  }
}

/**
 * Fast `Conv2DBackpropInput` for the `wasm` backend, replacing the shipped
 * scalar C++ loop with stride-1 XNNPACK convolutions (one per stride phase).
 * NHWC only; any strides, `'same'` / `'valid'` / numeric / explicit padding.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
 *
 * tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
 * tf.registerKernel(conv2DBackpropInputConfig);
 * await tf.setBackend('wasm');
 * const dx = tf.grad((x: tf.Tensor4D) => tf.conv2d(x, w, 2, 'same').sum())(x);
 * ```
 */
export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: WASM,
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
