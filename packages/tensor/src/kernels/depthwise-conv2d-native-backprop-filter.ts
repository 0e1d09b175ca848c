import { DepthwiseConv2dNativeBackpropFilter } from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropFilterInputs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';

import { axisWindow, cropForConv, depthwiseConvInfo, KernelScope, shape4, WASM } from './kernel-utils.js';

/**
 * Gradient of a depthwise 2-D convolution with respect to its filter,
 * expressed as one depthwise convolution run by the wasm backend's (XNNPACK)
 * `DepthwiseConv2dNative` kernel plus a batch sum.
 *
 * `dw[a,b,c,m] = Σ_{n,i,j} x[n, i·sh+a−pt, j·sw+b−pl, c] · dy[n,i,j,c·M+m]`.
 * Folding the batch into the channels turns every `(n, c)` pair into its own
 * depthwise channel:
 *
 * `X' = reshape(transpose(x, [1,2,0,3]), [1, inH, inW, N·inC])`
 * `F' = reshape(transpose(dy, [1,2,0,3]), [outH, outW, N·inC, M])`
 * `R  = depthwiseConv2d(X', F', stride 1, dilation (sh, sw), explicit pads) : [1, fH, fW, N·inC·M]`
 * `dw = reshape(sum(reshape(R, [fH, fW, N, inC·M]), axis 2), [fH, fW, inC, M])`
 */
function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: DepthwiseConv2dNativeBackpropFilterInputs;
  backend: KernelBackend;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { filterShape } = attrs;
  if (x === undefined || dy === undefined) {
    throw new Error('DepthwiseConv2dNativeBackpropFilter: inputs x and dy are required.');
  }
  const xShape = shape4(x.shape, 'DepthwiseConv2dNativeBackpropFilter: x');
  const dyShape = shape4(dy.shape, 'DepthwiseConv2dNativeBackpropFilter: dy');
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
    strideHeight,
    strideWidth,
    padInfo,
  } = depthwiseConvInfo('DepthwiseConv2dNativeBackpropFilter', xShape, filterShape, dyShape, attrs);
  const multiplier = filterShape[3];

  const s = new KernelScope(backend);
  try {
    const rows = axisWindow(
      inHeight,
      padInfo.top,
      (outHeight - 1) * strideHeight + filterHeight - padInfo.top - inHeight,
    );
    const cols = axisWindow(
      inWidth,
      padInfo.left,
      (outWidth - 1) * strideWidth + filterWidth - padInfo.left - inWidth,
    );
    if (rows.cropSize === 0 || cols.cropSize === 0) {
      return s.keep(s.fill([...filterShape], 0));
    }
    const xT = s.transpose(x, [1, 2, 0, 3]); // [inH, inW, N, inC]
    const xF = s.reshape(xT, [1, inHeight, inWidth, batchSize * inChannels]);
    const dyT = s.transpose(dy, [1, 2, 0, 3]); // [outH, outW, N, inC·M]
    const dyF = s.reshape(dyT, [outHeight, outWidth, batchSize * inChannels, multiplier]);
    const { x: xIn, pad: explicitPad } = cropForConv(s, xF, rows, cols);
    const r = s.run(
      'DepthwiseConv2dNative',
      { x: xIn, filter: dyF },
      { strides: [1, 1], dilations: [strideHeight, strideWidth], pad: explicitPad, dataFormat: 'NHWC' },
    ); // [1, fH, fW, N·inC·M]
    let summed = r;
    if (batchSize > 1) {
      const r4 = s.reshape(r, [filterHeight, filterWidth, batchSize, outChannels]);
      summed = s.run('Sum', { x: r4 }, { axis: [2], keepDims: false });
    }
    return s.keep(s.reshape(summed, [...filterShape]));
  } finally {
    s.dispose();
  }
}

/**
 * `DepthwiseConv2dNativeBackpropFilter` for the `wasm` backend (tfjs 4.22
 * ships none), built on the backend's own XNNPACK `DepthwiseConv2dNative`,
 * `Transpose` and `Sum` kernels. NHWC, any strides and padding, channel
 * multiplier ≥ 1, dilation 1.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-native-backprop-filter.js';
 *
 * tf.registerKernel(depthwiseConv2dNativeBackpropFilterConfig);
 * await tf.setBackend('wasm');
 * const dw = tf.grad((w: tf.Tensor4D) => tf.sum(tf.depthwiseConv2d(x, w, 1, 'same')))(w);
 * ```
 */
export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: WASM,
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
};
