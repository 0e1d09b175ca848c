import { DepthwiseConv2dNativeBackpropInput } from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropInputAttrs,
  DepthwiseConv2dNativeBackpropInputInputs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';

import {
  depthwiseConvInfo,
  dilateSpatial,
  KernelScope,
  shape4,
  transposedConvByPhases,
  WASM,
} from './kernel-utils.js';

/**
 * Gradient of a depthwise 2-D convolution with respect to its input,
 * expressed as one stride-1 depthwise convolution run by the wasm backend's
 * (XNNPACK) `DepthwiseConv2dNative` kernel: `dy` is zero-dilated by the stride
 * (`dilateSpatial`) and convolved with the spatially flipped filter.
 *
 * With filter `w: [fH, fW, inC, M]` and `dy: [N, outH, outW, inC·M]` (channel
 * `c·M + m`), the flipped filter reshaped to `[fH, fW, inC·M, 1]` convolves
 * every `dy` channel separately; for `M > 1` the `M` results belonging to the
 * same input channel are then summed.
 */
function depthwiseConv2dNativeBackpropInput(args: {
  inputs: DepthwiseConv2dNativeBackpropInputInputs;
  backend: KernelBackend;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { inputShape } = attrs;
  if (dy === undefined || filter === undefined) {
    throw new Error('DepthwiseConv2dNativeBackpropInput: inputs dy and filter are required.');
  }
  const dyShape = shape4(dy.shape, 'DepthwiseConv2dNativeBackpropInput: dy');
  const filterShape = shape4(filter.shape, 'DepthwiseConv2dNativeBackpropInput: filter');
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outChannels,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    padInfo,
  } = depthwiseConvInfo('DepthwiseConv2dNativeBackpropInput', inputShape, filterShape, dyShape, attrs);
  const multiplier = filterShape[3];

  const s = new KernelScope(backend);
  try {
    const wRev = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const wf = s.reshape(wRev, [filterHeight, filterWidth, outChannels, 1]);
    // XNNPACK only has depthwise micro-kernels for a few tap counts (e.g. 3x3,
    // 5x5); the per-phase sub-filters of a strided gradient (2x2, 2x1, ...) fall
    // back to a slow grouped GEMM. Depthwise convolutions are cheap, so for
    // strides > 1 convolve the zero-dilated dy with the whole flipped filter.
    const sh = strideHeight;
    const sw = strideWidth;
    const dyD = dilateSpatial(s, dy, sh, sw);
    const dx = transposedConvByPhases(
      s,
      dyD,
      wf,
      {
        batch: batchSize,
        inHeight,
        inWidth,
        inChannels,
        outHeight: dyD.shape[1] ?? 0,
        outWidth: dyD.shape[2] ?? 0,
        filterHeight,
        filterWidth,
        strideHeight: 1,
        strideWidth: 1,
        padTop: padInfo.top,
        padLeft: padInfo.left,
      },
      (x, f, explicitPad) => {
        const y = s.run(
          'DepthwiseConv2dNative',
          { x, filter: f },
          { strides: [1, 1], dilations: [1, 1], pad: explicitPad, dataFormat: 'NHWC' },
        ); // [N, pH, pW, inC·M]
        if (multiplier === 1) return y;
        const [n = 0, h = 0, w = 0] = y.shape;
        const y5 = s.reshape(y, [n, h, w, inChannels, multiplier]);
        return s.run('Sum', { x: y5 }, { axis: [4], keepDims: false });
      },
    );
    return s.keep(dx);
  } finally {
    s.dispose();
  }
}

/**
 * `DepthwiseConv2dNativeBackpropInput` for the `wasm` backend (tfjs 4.22
 * ships none), built on the backend's own XNNPACK `DepthwiseConv2dNative`,
 * `Reverse`, `StridedSlice`, `Concat`, `Transpose` and `Sum` kernels. NHWC,
 * any strides and padding, channel multiplier ≥ 1, dilation 1.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-native-backprop-input.js';
 *
 * tf.registerKernel(depthwiseConv2dNativeBackpropInputConfig);
 * await tf.setBackend('wasm');
 * const dx = tf.grad((x: tf.Tensor4D) => tf.sum(tf.depthwiseConv2d(x, w, 2, 'same')))(x);
 * ```
 */
export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: WASM,
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
};
