import { z } from '@prunekit/core';
import type { DatasetFactory } from './dataset-factory.js';
import { idxLocation, loadIdxDataset } from './idx-dataset.js';
import { type FileDatasetOptions, fileOptionsShape } from './options.js';

/** Options of {@link mnist}. */
export type MnistOptions = FileDatasetOptions;

/** Where MNIST is looked for: `dir`, `$PRUNEKIT_DATA_DIR/mnist`. */
export const mnistLocation = idxLocation(
  'MNIST',
  'mnist',
  [],
  "download it with fetchDataset('mnist', { dir }) (CLI: prunekit data fetch mnist)",
);

/**
 * MNIST handwritten digits: 60,000 train and 10,000 test 28×28 greyscale images, 10 classes, read
 * from the four IDX files (gzipped or not). Pixels are scaled to [0, 1], then normalized.
 *
 * @example
 * ```ts
 * const data = await loadDataset(mnist, { dir: '/data/mnist', limit: 1000 });
 * ```
 */
export const mnist: DatasetFactory<MnistOptions> = {
  name: 'mnist',
  description: 'MNIST digits (IDX files, 28×28×1, 10 classes)',
  reference: 'LeCun et al. 1998, http://yann.lecun.com/exdb/mnist/',
  defaults: { validation: 0, seed: 0, normalize: 'train', crop: 0, flip: false },
  schema: z.object(fileOptionsShape).strict(),
  load: (options) => loadIdxDataset('mnist', mnistLocation, options),
};
