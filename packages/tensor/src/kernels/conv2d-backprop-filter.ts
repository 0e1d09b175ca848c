import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropFilterInputs,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs-core';

import { assertNHWC, axisWindow, cropForConv, KernelScope, shape4, WASM } from './kernel-utils.js';

/**
 * Gradient of a 2-D convolution with respect to its filter, expressed as one
 * forward convolution run by the wasm backend's (XNNPACK) `Conv2D` kernel.
 *
 * Forward: `y[n,i,j,o] = Σ_{a,b,c} x[n, i·sh+a−pt, j·sw+b−pl, c] · w[a,b,c,o]`, so
 *
 * `dw[a,b,c,o] = Σ_{n,i,j} x[n, i·sh+a−pt, j·sw+b−pl, c] · dy[n,i,j,o]`,
 *
 * which is a convolution whose *batch* is `c`, whose *input channels* are
 * `n`, whose filter is `dy` (spatial size `outH × outW`) and whose dilation is
 * the forward stride:
 *
 * `X' = transpose(x, [3,1,2,0])   : [inC, inH, inW, N]`
 * `F' = transpose(dy, [1,2,0,3])  : [outH, outW, N, outC]`
 * `R  = conv2d(X', F', stride 1, dilation (sh, sw), pad (pt, pb'), (pl, pr'))`
 * `dw = transpose(R, [1,2,0,3])   : [fH, fW, inC, outC]`
 *
 * where `pb' = (outH−1)·sh + fH − pt − inH` (negative values crop rows that
 * the forward convolution never read).
 */
function conv2DBackpropFilter(args: {
  inputs: Conv2DBackpropFilterInputs;
  backend: KernelBackend;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (x === undefined || dy === undefined)
    throw new Error('Conv2DBackpropFilter: inputs x and dy are required.');
  assertNHWC(Conv2DBackpropFilter, dataFormat);

  const xShape = shape4(x.shape, 'Conv2DBackpropFilter: x');
  const dyShape = shape4(dy.shape, 'Conv2DBackpropFilter: dy');
  const convInfo = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    1 /* dilations */,
    pad,
    dimRoundingMode,
    false /* depthwise */,
    'channelsLast',
  );
  const {
    inHeight,
    inWidth,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    padInfo,
  } = convInfo;
  const expected = [convInfo.batchSize, outHeight, outWidth, convInfo.outChannels];
  if (dyShape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `Conv2DBackpropFilter: dy shape [${dyShape.join(', ')}] does not match the convolution output [${expected.join(', ')}].`,
    );
  }

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
      // The forward convolution only ever read padding: the gradient is zero.
      return s.keep(s.fill([...filterShape], 0));
    }
    const xT = s.transpose(x, [3, 1, 2, 0]); // [inC, inH, inW, N]
    const dyT = s.transpose(dy, [1, 2, 0, 3]); // [outH, outW, N, outC]
    const { x: xIn, pad: explicitPad } = cropForConv(s, xT, rows, cols);
    const r = s.run(
      'Conv2D',
      { x: xIn, filter: dyT },
      { strides: [1, 1], dilations: [strideHeight, strideWidth], pad: explicitPad, dataFormat: 'NHWC' },
    ); // [inC, fH, fW, outC]
    return s.keep(s.transpose(r, [1, 2, 0, 3]));
  } finally {
    s.dispose();
  }
}

/**
 * `Conv2DBackpropFilter` for the `wasm` backend (tfjs 4.22 ships none), built
 * on the backend's own XNNPACK `Conv2D`, `Transpose` and `Slice` kernels.
 * NHWC only; any strides, `'same'` / `'valid'` / numeric / explicit padding.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
 *
 * tf.registerKernel(conv2DBackpropFilterConfig);
 * await tf.setBackend('wasm');
 * const dw = tf.grad((w: tf.Tensor4D) => tf.conv2d(x, w, 2, 'same').sum())(w);
 * ```
 */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: WASM,
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
