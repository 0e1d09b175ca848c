import { z } from '@prunekit/core';
import type { NormalizeOption } from './normalize.js';

/**
 * The `validation` option: 0, a fraction in (0, 1), or a whole count of training examples to hold out.
 *
 * @example
 * ```ts
 * validationSchema.parse(0.1); validationSchema.parse(5000); // ok; 2.5 fails
 * ```
 */
export const validationSchema = z
  .number()
  .min(0)
  .refine((v) => v < 1 || Number.isInteger(v), {
    message: 'expected 0, a fraction in (0, 1) or a whole count ≥ 1',
  });

/**
 * The `normalize` option: `'train'`, `'none'`, or `{ mean, std }` per channel.
 *
 * @example
 * ```ts
 * normalizeSchema.parse({ mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] });
 * ```
 */
export const normalizeSchema = z.union([
  z.enum(['train', 'none']),
  z.object({ mean: z.array(z.number()).min(1), std: z.array(z.number().positive()).min(1) }).strict(),
]);

/** A data seed (synthetic data, validation hold-out). */
export const seedSchema = z.number().int().min(0);

/**
 * Options every file-backed dataset shares, as a zod shape to spread into a schema.
 *
 * @example
 * ```ts
 * const schema = z.object({ ...fileOptionsShape, labels: z.enum(['fine', 'coarse']) }).strict();
 * ```
 */
export const fileOptionsShape = {
  /** Folder holding the files (or its parent); default: `$PRUNEKIT_DATA_DIR/<folder>`, then the dataset's system folder. */
  dir: z.string().min(1).optional(),
  /** Use only the first N train and the first N test examples (quick runs). */
  limit: z.number().int().positive().optional(),
  validation: validationSchema,
  seed: seedSchema,
  normalize: normalizeSchema,
  /** Random-crop zero padding in pixels (0 = off). */
  crop: z.number().int().min(0),
  /** Random horizontal flips. */
  flip: z.boolean(),
};

/** The options of every file-backed dataset (MNIST, Fashion-MNIST, CIFAR, Tiny ImageNet). */
export interface FileDatasetOptions {
  /** Folder holding the files, or its parent (default: `$PRUNEKIT_DATA_DIR/<folder>`, then the dataset's system folder). */
  readonly dir?: string | undefined;
  /** Use only the first N train and the first N test examples. */
  readonly limit?: number | undefined;
  /** Hold out part of train as validation: a fraction in (0, 1) or a count (0 = none). */
  readonly validation: number;
  /** Seed of the validation hold-out. */
  readonly seed: number;
  /** Per-channel normalization: statistics of the training split (`'train'`), none, or given. */
  readonly normalize: NormalizeOption;
  /** Random-crop zero padding in pixels (0 = off). */
  readonly crop: number;
  /** Random horizontal flips. */
  readonly flip: boolean;
}
