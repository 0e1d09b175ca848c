import { join } from 'node:path';
import { z } from '@prunekit/core';
import type { ArrayDataset } from './array-dataset.js';
import { createArrayDataset } from './array-dataset.js';
import { readCifarFiles } from './cifar-binary.js';
import { type DataLocation, locateDataDir } from './data-dir.js';
import type { DatasetFactory } from './dataset-factory.js';
import { type FileDatasetOptions, fileOptionsShape } from './options.js';

/** Options of {@link cifar10}. */
export type Cifar10Options = FileDatasetOptions;

/** The files of the CIFAR-10 binary version, inside `cifar-10-batches-bin/`. */
export const CIFAR10_FILES = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
} as const;

/** Where CIFAR-10 is looked for: `dir` or `dir/cifar-10-batches-bin`, `$PRUNEKIT_DATA_DIR/cifar-10-batches-bin`. */
export const cifar10Location: DataLocation = {
  title: 'CIFAR-10',
  folder: 'cifar-10-batches-bin',
  markers: [...CIFAR10_FILES.train, ...CIFAR10_FILES.test],
  expected:
    'cifar-10-batches-bin/ with data_batch_1.bin … data_batch_5.bin and test_batch.bin (the binary version)',
  howToGet: "download it with fetchDataset('cifar10', { dir }) (CLI: prunekit data fetch cifar10)",
};

/**
 * CIFAR-10: 50,000 train and 10,000 test 32×32 colour images, 10 classes, from the binary
 * version (records of 1 label byte + 3072 CHW pixel bytes, converted to HWC). Default
 * augmentation is the paper's: random crop with 4-pixel zero padding and horizontal flips;
 * normalization uses the training split's per-channel mean and std.
 *
 * @example
 * ```ts
 * const data = await loadDataset(cifar10, { dir: '/data', validation: 5000 });
 * ```
 */
export const cifar10: DatasetFactory<Cifar10Options> = {
  name: 'cifar10',
  description: 'CIFAR-10 (binary version, 32×32×3, 10 classes), crop+flip augmentation',
  reference: 'Krizhevsky 2009, https://www.cs.toronto.edu/~kriz/cifar.html',
  defaults: { validation: 0, seed: 0, normalize: 'train', crop: 4, flip: true },
  schema: z.object(fileOptionsShape).strict(),
  load: (options) => loadCifar10(options),
};

function loadCifar10(options: Cifar10Options): ArrayDataset {
  const dir = locateDataDir('cifar10', cifar10Location, options.dir);
  const layout = { labelBytes: 1, classes: [10], labelIndex: 0, labelNames: ['class'] } as const;
  const train = readCifarFiles(
    CIFAR10_FILES.train.map((f) => join(dir, f)),
    layout,
    options.limit,
  );
  const test = readCifarFiles(
    CIFAR10_FILES.test.map((f) => join(dir, f)),
    layout,
    options.limit,
  );
  return createArrayDataset({
    name: 'cifar10',
    task: 'classification',
    inputShape: [32, 32, 3],
    outputSize: 10,
    train: { x: train.x, y: train.y },
    test: { x: test.x, y: test.y },
    validation: options.validation,
    seed: options.seed,
    normalize: options.normalize,
    augmentation: { padding: options.crop, flip: options.flip },
  });
}
