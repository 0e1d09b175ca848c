import { z } from '@prunekit/core';
import { DEBIAN_FASHION_MNIST_DIR } from './data-dir.js';
import type { DatasetFactory } from './dataset-factory.js';
import { idxLocation, loadIdxDataset } from './idx-dataset.js';
import { type FileDatasetOptions, fileOptionsShape } from './options.js';

/** Options of {@link fashionMnist}. */
export type FashionMnistOptions = FileDatasetOptions;

/**
 * Where Fashion-MNIST is looked for: `dir`, `$PRUNEKIT_DATA_DIR/fashion-mnist`, then Debian's
 * `/usr/share/datasets/fashion-mnist` (package `dataset-fashion-mnist`).
 */
export const fashionMnistLocation = idxLocation(
  'Fashion-MNIST',
  'fashion-mnist',
  [DEBIAN_FASHION_MNIST_DIR],
  "on Debian/Ubuntu: apt-get install dataset-fashion-mnist; elsewhere fetchDataset('fashion-mnist', { dir })",
);

/**
 * Fashion-MNIST (Zalando): 60,000 train and 10,000 test 28×28 greyscale images of clothing,
 * 10 classes, in MNIST's IDX format. Found in `dir`, `$PRUNEKIT_DATA_DIR/fashion-mnist`, or
 * Debian's `/usr/share/datasets/fashion-mnist/`. Pixels are scaled to [0, 1], then normalized.
 *
 * @example
 * ```ts
 * const data = await loadDataset(fashionMnist, { validation: 5000 });
 * data.size('train'); // 55000
 * ```
 */
export const fashionMnist: DatasetFactory<FashionMnistOptions> = {
  name: 'fashion-mnist',
  description: 'Fashion-MNIST clothing images (IDX files, 28×28×1, 10 classes)',
  reference: 'Xiao, Rasul & Vollgraf 2017, arXiv 1708.07747',
  defaults: { validation: 0, seed: 0, normalize: 'train', crop: 0, flip: false },
  schema: z.object(fileOptionsShape).strict(),
  load: (options) => loadIdxDataset('fashion-mnist', fashionMnistLocation, options),
};
