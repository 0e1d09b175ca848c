import { join } from 'node:path';
import { z } from '@prunekit/core';
import { type ArrayDataset, createArrayDataset } from './array-dataset.js';
import { readCifarFiles } from './cifar-binary.js';
import { type DataLocation, locateDataDir } from './data-dir.js';
import type { DatasetFactory } from './dataset-factory.js';
import { type FileDatasetOptions, fileOptionsShape } from './options.js';

/** Options of {@link cifar100}. */
export type Cifar100Options = FileDatasetOptions & {
  /** Which label to predict: the 100 fine classes (default) or the 20 coarse superclasses. */
  readonly labels: 'fine' | 'coarse';
};

/** The files of the CIFAR-100 binary version, inside `cifar-100-binary/`. */
export const CIFAR100_FILES = { train: ['train.bin'], test: ['test.bin'] } as const;

/** Where CIFAR-100 is looked for: `dir` or `dir/cifar-100-binary`, `$PRUNEKIT_DATA_DIR/cifar-100-binary`. */
export const cifar100Location: DataLocation = {
  title: 'CIFAR-100',
  folder: 'cifar-100-binary',
  markers: [...CIFAR100_FILES.train, ...CIFAR100_FILES.test],
  expected: 'cifar-100-binary/ with train.bin and test.bin (the binary version)',
  howToGet: "download it with fetchDataset('cifar100', { dir }) (CLI: prunekit data fetch cifar100)",
};

/**
 * CIFAR-100: 50,000 train and 10,000 test 32×32 colour images with 100 fine and 20 coarse
 * classes, from the binary version (records of coarse byte + fine byte + 3072 CHW pixel bytes,
 * converted to HWC). Option `labels` picks fine (default) or coarse. Paper augmentation by default.
 *
 * @example
 * ```ts
 * const data = await loadDataset(cifar100, { dir: '/data', labels: 'coarse' });
 * data.outputSize; // 20
 * ```
 */
export const cifar100: DatasetFactory<Cifar100Options> = {
  name: 'cifar100',
  description: 'CIFAR-100 (binary version, 32×32×3, 100 fine or 20 coarse classes), crop+flip augmentation',
  reference: 'Krizhevsky 2009, https://www.cs.toronto.edu/~kriz/cifar.html',
  defaults: { validation: 0, seed: 0, normalize: 'train', crop: 4, flip: true, labels: 'fine' },
  schema: z.object({ ...fileOptionsShape, labels: z.enum(['fine', 'coarse']) }).strict(),
  load: (options) => loadCifar100(options),
};

function loadCifar100(options: Cifar100Options): ArrayDataset {
  const dir = locateDataDir('cifar100', cifar100Location, options.dir);
  const layout = {
    labelBytes: 2,
    classes: [20, 100],
    labelIndex: options.labels === 'coarse' ? 0 : 1,
    labelNames: ['coarse', 'fine'],
  } as const;
  const train = readCifarFiles(
    CIFAR100_FILES.train.map((f) => join(dir, f)),
    layout,
    options.limit,
  );
  const test = readCifarFiles(
    CIFAR100_FILES.test.map((f) => join(dir, f)),
    layout,
    options.limit,
  );
  return createArrayDataset({
    name: 'cifar100',
    task: 'classification',
    inputShape: [32, 32, 3],
    outputSize: options.labels === 'coarse' ? 20 : 100,
    train: { x: train.x, y: train.y },
    test: { x: test.x, y: test.y },
    validation: options.validation,
    seed: options.seed,
    normalize: options.normalize,
    augmentation: { padding: options.crop, flip: options.flip },
  });
}
