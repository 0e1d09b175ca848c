import * as tf from '@tensorflow/tfjs-core';
import { PruneError } from '@prunekit/core';
import { sparseMatMulOp } from '@prunekit/tensor';
import { type Network, constantInit, kaimingNormal } from './network.js';

/** A layer's forward function. `training` matters only for batch norm. */
export type Layer = (x: tf.Tensor, training?: boolean) => tf.Tensor;

/** Options of {@link dense}. */
export interface DenseOptions {
  /** Add a bias `<name>.bias` (zeros, never prunable). Default true. */
  readonly bias?: boolean;
  /** Apply ReLU after the affine map (fused). Default false. */
  readonly relu?: boolean;
}

/**
 * A fully connected layer: `<name>.weight` `[in, out]` (Kaiming-normal, prunable) and
 * `<name>.bias` `[out]` (zeros). Input `[batch, in]`.
 *
 * @example
 * ```ts
 * const net = new Network({ name: 'tiny', inputShape: [4], outputSize: 2, task: 'classification' }, 0,
 *   (n) => { const fc = dense(n, 'fc', 4, 2); return (x) => fc(x); });
 * ```
 */
export function dense(
  net: Network,
  name: string,
  inputs: number,
  outputs: number,
  options: DenseOptions = {},
): Layer {
  const w = net.param(
    {
      name: `${name}.weight`,
      shape: [inputs, outputs],
      prunable: true,
      role: 'weight',
      layer: name,
      layerKind: 'dense',
    },
    kaimingNormal(inputs),
  ) as tf.Tensor2D;
  const b =
    options.bias === false
      ? undefined
      : net.param(
          {
            name: `${name}.bias`,
            shape: [outputs],
            prunable: false,
            role: 'bias',
            layer: name,
            layerKind: 'dense',
          },
          constantInit(0),
        );
  const activation = options.relu ? 'relu' : 'linear';
  const weightName = `${name}.weight`;
  return (x) => {
    const pattern = net.sparsePattern(weightName);
    if (pattern) {
      // Pruned below the threshold (Network.setSparsity): only the kept weights are computed.
      const y = sparseMatMulOp(x as tf.Tensor2D, w, pattern);
      const z = b ? tf.add(y, b) : y;
      return options.relu ? tf.relu(z) : z;
    }
    return tf.fused.matMul({ a: x as tf.Tensor2D, b: w, ...(b ? { bias: b } : {}), activation });
  };
}

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Square kernel size. Default 3. */
  readonly kernel?: number;
  /** Stride. Default 1. */
  readonly stride?: number;
  /** Zero padding on each side, as PyTorch's `padding`. Default `(kernel - 1) / 2` (size-preserving at stride 1). */
  readonly pad?: number;
  /** Add a bias `<name>.bias` (zeros). Default false (convs followed by batch norm need none). */
  readonly bias?: boolean;
  /** Apply ReLU after the convolution (fused). Default false. */
  readonly relu?: boolean;
}

/**
 * A 2-D convolution on NHWC input: `<name>.weight` `[k, k, in, out]` (Kaiming-normal with
 * fan-in `k·k·in`, prunable) and optionally `<name>.bias`. Padding is explicit and symmetric, as
 * in PyTorch.
 *
 * @example
 * ```ts
 * const conv = conv2d(net, 'conv1', 3, 64, { kernel: 3, stride: 1 }); // inside a Network's define
 * ```
 */
export function conv2d(
  net: Network,
  name: string,
  inputs: number,
  outputs: number,
  options: Conv2dOptions = {},
): Layer {
  const k = options.kernel ?? 3;
  const stride = options.stride ?? 1;
  const pad = options.pad ?? Math.floor((k - 1) / 2);
  const w = net.param(
    {
      name: `${name}.weight`,
      shape: [k, k, inputs, outputs],
      prunable: true,
      role: 'weight',
      layer: name,
      layerKind: 'conv',
    },
    kaimingNormal(k * k * inputs),
  ) as tf.Tensor4D;
  const b = options.bias
    ? net.param(
        {
          name: `${name}.bias`,
          shape: [outputs],
          prunable: false,
          role: 'bias',
          layer: name,
          layerKind: 'conv',
        },
        constantInit(0),
      )
    : undefined;
  if (!b && !options.relu) {
    return (x) => tf.conv2d(x as tf.Tensor4D, w, stride, pad);
  }
  const activation = options.relu ? 'relu' : 'linear';
  return (x) =>
    tf.fused.conv2d({
      x: x as tf.Tensor4D,
      filter: w,
      strides: stride,
      pad,
      ...(b ? { bias: b } : {}),
      activation,
    });
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Weight of the new batch statistic in the running average (PyTorch's convention). Default 0.1. */
  readonly momentum?: number;
  /** Added to the variance. Default 1e-5. */
  readonly eps?: number;
}

/**
 * Batch normalization over the last (channel) axis, as PyTorch's `BatchNorm2d`/`BatchNorm1d`:
 * parameters `<name>.gamma` (ones) and `<name>.beta` (zeros), never prunable; state
 * `<name>.running_mean` (zeros) and `<name>.running_var` (ones). Training mode normalizes with
 * the batch mean and biased batch variance and updates
 * `running = (1 - momentum)·running + momentum·batch` (with the unbiased variance, n/(n-1));
 * eval mode normalizes with the running statistics.
 *
 * @example
 * ```ts
 * const bn = batchNorm(net, 'bn1', 64); // inside a Network's define
 * // in the forward function: bn(x, training)
 * ```
 */
export function batchNorm(
  net: Network,
  name: string,
  channels: number,
  options: BatchNormOptions = {},
): Layer {
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  const gamma = net.param(
    {
      name: `${name}.gamma`,
      shape: [channels],
      prunable: false,
      role: 'bn-gamma',
      layer: name,
      layerKind: 'bn',
    },
    constantInit(1),
  ) as tf.Tensor1D;
  const beta = net.param(
    {
      name: `${name}.beta`,
      shape: [channels],
      prunable: false,
      role: 'bn-beta',
      layer: name,
      layerKind: 'bn',
    },
    constantInit(0),
  ) as tf.Tensor1D;
  const runningMean = net.stateTensor(
    { name: `${name}.running_mean`, shape: [channels], layer: name },
    constantInit(0),
  );
  const runningVar = net.stateTensor(
    { name: `${name}.running_var`, shape: [channels], layer: name },
    constantInit(1),
  );
  // Training mode as one custom-gradient op: the analytic batch-norm backward takes about half
  // the full-size tensor ops of differentiating moments + batchNorm, and records one tape node.
  const train = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const n = x.size / channels;
    const mean = tf.mean(x, axes);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), axes);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const xHat = tf.mul(centered, invStd);
    const unbias = n > 1 ? n / (n - 1) : 1;
    runningMean.assign(tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(mean, momentum)));
    runningVar.assign(tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(variance, momentum * unbias)));
    save([xHat, invStd, g]);
    return {
      value: tf.add(tf.mul(xHat, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, si, sg] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, sx), axes);
        // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂))
        const dx = tf.mul(
          tf.sub(tf.sub(dy, tf.div(dBeta, n)), tf.mul(sx, tf.div(dGamma, n))),
          tf.mul(sg, si),
        );
        return [dx, dGamma, dBeta];
      },
    };
  });
  return (x, training = false) => {
    if (x.shape[x.rank - 1] !== channels) {
      throw new PruneError(
        'E_SHAPE',
        `batch norm '${name}' expects ${channels} channels, got [${x.shape.join(', ')}]`,
      );
    }
    if (!training)
      return tf.batchNorm(x, runningMean as tf.Tensor1D, runningVar as tf.Tensor1D, beta, gamma, eps);
    return train(x, gamma, beta);
  };
}

/**
 * Max pooling on NHWC input. `pad` is a number (explicit, PyTorch-style, padded with -∞) or
 * `'same'` (output `ceil(size / stride)`: odd sizes get one extra row/column at the end).
 *
 * @example
 * ```ts
 * maxPool(x, 2, 2, 'same'); // halves H and W, rounding up
 * ```
 */
export function maxPool(x: tf.Tensor, size: number, stride: number, pad: number | 'same' = 0): tf.Tensor {
  return tf.maxPool(x as tf.Tensor4D, size, stride, pad === 'same' ? 'same' : pad === 0 ? 'valid' : pad);
}

/**
 * Global average pooling: NHWC `[b, h, w, c]` → `[b, c]`.
 *
 * @example
 * ```ts
 * globalAvgPool(tf.ones([2, 4, 4, 8])).shape; // [2, 8]
 * ```
 */
export function globalAvgPool(x: tf.Tensor): tf.Tensor {
  return tf.mean(x, [1, 2]);
}

/**
 * Flatten every example: `[b, ...]` → `[b, prod(...)]` (row-major, i.e. NHWC order for images).
 *
 * @example
 * ```ts
 * flatten(tf.ones([2, 3, 3, 4])).shape; // [2, 36]
 * ```
 */
export function flatten(x: tf.Tensor): tf.Tensor2D {
  return x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [x.shape[0]!, -1]);
}
