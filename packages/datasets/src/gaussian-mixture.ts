import { z } from '@prunekit/core';
import { createRng } from '@prunekit/tensor';
import type { Rng } from '@prunekit/core';
import { type ArrayDataset, createArrayDataset } from './array-dataset.js';
import type { DatasetFactory } from './dataset-factory.js';
import type { NormalizeOption } from './normalize.js';
import { normalizeSchema, seedSchema, validationSchema } from './options.js';

/** Options of {@link gaussianMixture}. */
export interface GaussianMixtureOptions {
  /** Number of classes k. */
  readonly classes: number;
  /** Input dimension d (ignored when `shape` is given). */
  readonly dims: number;
  /** Image-like input shape, e.g. `[8, 8, 3]` (NHWC without the batch axis). */
  readonly shape?: readonly number[] | undefined;
  /** Distance of every class mean from the origin (in units of the noise std, which is 1). */
  readonly separation: number;
  readonly trainSize: number;
  readonly testSize: number;
  /** Data seed: class means, samples and the validation hold-out. */
  readonly seed: number;
  readonly validation: number;
  readonly normalize: NormalizeOption;
  /** Random-crop padding for image-like shapes (0 = off). */
  readonly crop: number;
  readonly flip: boolean;
}

/**
 * Draw `n` labelled points from a mixture: labels cycle `0, 1, …, k-1, 0, …` (balanced), and
 * `x = means[y] + N(0, I)`.
 *
 * @example
 * ```ts
 * const { x, y } = mixtureSamples(4, Float32Array.of(-3, 3), 1, createRng(0)); // 1-D, 2 classes
 * ```
 */
export function mixtureSamples(
  n: number,
  means: Float32Array,
  size: number,
  rng: Rng,
): { x: Float32Array; y: Int32Array } {
  const k = means.length / size;
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    y[i] = c;
    for (let j = 0; j < size; j++) x[i * size + j] = means[c * size + j]! + rng.normal();
  }
  return { x, y };
}

/**
 * Small synthetic classification for quick demos and tests: k Gaussian blobs with unit noise
 * whose means lie at distance `separation` from the origin in random directions, in d dimensions
 * or an image-like shape (so image models and the augmentation path can be exercised in
 * milliseconds). Seeded: the same options give the same data everywhere.
 *
 * @example
 * ```ts
 * const data = await loadDataset(gaussianMixture, { classes: 4, shape: [8, 8, 3], trainSize: 512 });
 * ```
 */
export const gaussianMixture: DatasetFactory<GaussianMixtureOptions> = {
  name: 'gaussian-mixture',
  description: 'k Gaussian blobs in d dimensions or an image-like shape (synthetic classification)',
  defaults: {
    classes: 3,
    dims: 2,
    separation: 3,
    trainSize: 600,
    testSize: 300,
    seed: 0,
    validation: 0,
    normalize: 'none',
    crop: 0,
    flip: false,
  },
  schema: z
    .object({
      classes: z.number().int().min(2),
      dims: z.number().int().positive(),
      shape: z.array(z.number().int().positive()).min(1).optional(),
      separation: z.number().min(0),
      trainSize: z.number().int().positive(),
      testSize: z.number().int().min(0),
      seed: seedSchema,
      validation: validationSchema,
      normalize: normalizeSchema,
      crop: z.number().int().min(0),
      flip: z.boolean(),
    })
    .strict(),
  load: (options) => loadGaussianMixture(options),
};

function loadGaussianMixture(o: GaussianMixtureOptions): ArrayDataset {
  const shape = o.shape ? [...o.shape] : [o.dims];
  const size = shape.reduce((p, d) => p * d, 1);
  const root = createRng(o.seed);
  const meanRng = root.fork('means');
  const means = new Float32Array(o.classes * size);
  for (let c = 0; c < o.classes; c++) {
    let norm = 0;
    const v = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      v[j] = meanRng.normal();
      norm += v[j]! * v[j]!;
    }
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < size; j++) means[c * size + j] = (o.separation * v[j]!) / norm;
  }
  return createArrayDataset({
    name: 'gaussian-mixture',
    task: 'classification',
    inputShape: shape,
    outputSize: o.classes,
    train: mixtureSamples(o.trainSize, means, size, root.fork('train')),
    test: mixtureSamples(o.testSize, means, size, root.fork('test')),
    validation: o.validation,
    seed: o.seed,
    normalize: o.normalize,
    augmentation: { padding: o.crop, flip: o.flip },
  });
}
