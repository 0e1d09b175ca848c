import * as tf from '@tensorflow/tfjs-core';
import type { Dataset, PrunableModel, Split } from '@prunekit/core';
import { type LossFn, lossFor } from './loss.js';

/** Loss and (for classification) accuracy over a whole split. */
export interface EvalResult {
  readonly loss: number;
  readonly accuracy?: number;
  readonly count: number;
}

/**
 * Evaluate a model on a split in eval mode (batch norm uses running statistics). No tensors
 * are left behind.
 *
 * @example
 * ```ts
 * const { loss, accuracy } = evaluate(model, data, 'test', { batchSize: 512 });
 * ```
 */
export function evaluate(
  model: PrunableModel,
  data: Dataset,
  split: Split,
  options: { batchSize?: number; loss?: LossFn; limit?: number } = {},
): EvalResult {
  const loss = options.loss ?? lossFor(model.task);
  let total = 0;
  let correct = 0;
  let count = 0;
  const classification = model.task === 'classification';
  for (const { x, y } of data.batches(split, {
    batchSize: options.batchSize ?? 512,
    seed: 0,
    shuffle: false,
    augment: false,
  })) {
    const n = x.shape[0]!;
    const [l, c] = tf.tidy(() => {
      const out = model.forward(x, false);
      const lv = loss(out, y).dataSync()[0]!;
      const cv = classification
        ? tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.cast(y, 'int32')), 'int32')).dataSync()[0]!
        : 0;
      return [lv, cv];
    });
    x.dispose();
    y.dispose();
    total += l * n;
    correct += c;
    count += n;
    if (options.limit !== undefined && count >= options.limit) break;
  }
  const result: EvalResult = { loss: count ? total / count : Number.NaN, count };
  return classification ? { ...result, accuracy: count ? correct / count : Number.NaN } : result;
}
