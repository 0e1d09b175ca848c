import type { Tensor } from '@tensorflow/tfjs-core';
import type { Task } from './params.js';

/** A data split. */
export type Split = 'train' | 'validation' | 'test';

/** One batch. Tensors are owned by the caller, who disposes them. */
export interface Batch {
  /** Inputs, `[n, ...inputShape]` float32. */
  readonly x: Tensor;
  /** Targets: integer class ids `[n]` (int32) for classification, `[n, 1]` float32 for regression. */
  readonly y: Tensor;
}

/** How to iterate one epoch of a split. */
export interface BatchOptions {
  readonly batchSize: number;
  /** Data-order seed. The order of epoch `e` is a pure function of `(seed, e)`. */
  readonly seed: number;
  /** Epoch index (0-based): selects the shuffle. */
  readonly epoch?: number;
  /** Shuffle (default: true for train, false otherwise). */
  readonly shuffle?: boolean;
  /** Apply training augmentation (default: true for train when the dataset has any). */
  readonly augment?: boolean;
  /** Drop a last incomplete batch (default: false). */
  readonly dropLast?: boolean;
  /** Skip the first `startBatch` batches (resume inside an epoch). */
  readonly startBatch?: number;
}

/**
 * A dataset: fixed splits held in host memory, yielding seeded batches.
 *
 * @example
 * ```ts
 * for (const { x, y } of data.batches('train', { batchSize: 128, seed: 1, epoch: 0 })) {
 *   // … train; then
 *   x.dispose(); y.dispose();
 * }
 * ```
 */
export interface Dataset {
  /** Registry name, e.g. `fashion-mnist`. */
  readonly name: string;
  readonly task: Task;
  /** Shape of one input example (NHWC for images). */
  readonly inputShape: readonly number[];
  /** Number of classes (classification) or outputs (regression). */
  readonly outputSize: number;
  /** Examples in a split (0 if the split does not exist). */
  size(split: Split): number;
  /** Batches of one epoch of `split`. */
  batches(split: Split, options: BatchOptions): Iterable<Batch>;
  /** Number of batches one epoch of `split` yields. */
  batchCount(split: Split, options: Pick<BatchOptions, 'batchSize' | 'dropLast'>): number;
}
