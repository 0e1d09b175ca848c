import * as tf from '@tensorflow/tfjs-core';
import type { Task } from '@prunekit/core';

/** A loss: model output and targets → scalar mean loss. Tensors borrowed; result owned by the caller. */
export type LossFn = (output: tf.Tensor, y: tf.Tensor) => tf.Scalar;

/**
 * Softmax cross-entropy on logits `[n, C]` against integer labels `[n]` (mean over the batch).
 *
 * @example
 * ```ts
 * crossEntropy(tf.tensor2d([[0, 0]]), tf.tensor1d([1], 'int32')).dataSync(); // [ln 2]
 * ```
 */
export const crossEntropy: LossFn = (logits, labels) =>
  tf.tidy(() => {
    const logp = tf.logSoftmax(logits as tf.Tensor2D);
    const onehot = tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, logits.shape[1]!);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
  });

/**
 * Mean squared error (the one-neuron experiment's square loss, mean over the batch).
 *
 * @example
 * ```ts
 * mse(tf.tensor2d([[1]]), tf.tensor2d([[3]])).dataSync(); // [4]
 * ```
 */
export const mse: LossFn = (pred, y) =>
  tf.tidy(() => tf.mean(tf.square(tf.sub(tf.reshape(pred, [-1]), tf.reshape(y, [-1])))) as tf.Scalar);

/**
 * The default loss for a task: cross-entropy for classification, MSE for regression.
 *
 * @example
 * ```ts
 * const loss = lossFor(model.task);
 * ```
 */
export function lossFor(task: Task): LossFn {
  return task === 'classification' ? crossEntropy : mse;
}
