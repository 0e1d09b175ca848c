import { join } from 'node:path';
import { type ArrayDataset, createArrayDataset } from './array-dataset.js';
import { type DataLocation, locateDataDir } from './data-dir.js';
import { dataError } from './data-error.js';
import { findIdxFile, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdxFileAsync } from './idx.js';
import type { FileDatasetOptions } from './options.js';

/** The four file names of an MNIST-format dataset (each may also end in `.gz`). */
export const IDX_FILE_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Images and labels of one split of an MNIST-format dataset. */
export interface IdxSplit {
  /** `[n, rows, cols]` bytes. */
  readonly x: Uint8Array;
  /** `[n]` class ids. */
  readonly y: Uint8Array;
  readonly n: number;
  readonly rows: number;
  readonly cols: number;
  /** The image file read. */
  readonly file: string;
}

/**
 * Read one split (images + labels) of an MNIST-format dataset from `dir`, checking magic numbers,
 * header dimensions against file lengths, that image and label counts agree, and that every label
 * is below `classes`. With `limit`, keeps the first `limit` examples, and of a gzipped file inflates
 * only those (the file's length past them is not checked).
 *
 * @example
 * ```ts
 * const test = await readIdxSplit('/usr/share/datasets/fashion-mnist', 'test', { classes: 10 });
 * test.n; // 10000
 * ```
 */
export async function readIdxSplit(
  dir: string,
  split: 'train' | 'test',
  options: { classes: number; limit?: number },
): Promise<IdxSplit> {
  const imagesBase = split === 'train' ? IDX_FILE_NAMES.trainImages : IDX_FILE_NAMES.testImages;
  const labelsBase = split === 'train' ? IDX_FILE_NAMES.trainLabels : IDX_FILE_NAMES.testLabels;
  const imagesFile = findIdxFile(dir, imagesBase);
  if (!imagesFile) throw dataError(join(dir, `${imagesBase}(.gz)`), 'missing', { hint: missingHint });
  const labelsFile = findIdxFile(dir, labelsBase);
  if (!labelsFile) throw dataError(join(dir, `${labelsBase}(.gz)`), 'missing', { hint: missingHint });
  // With a limit only the first `limit` examples are inflated (and checked): see readIdxFileAsync.
  const limit = options.limit === undefined ? {} : { limit: options.limit };
  const [images, labels] = await Promise.all([
    readIdxFileAsync(imagesFile, IDX_IMAGES_MAGIC, limit),
    readIdxFileAsync(labelsFile, IDX_LABELS_MAGIC, limit),
  ]);
  const [n, rows, cols] = images.dims as [number, number, number];
  if (n === 0 || rows === 0 || cols === 0)
    throw dataError(imagesFile, `holds no images (dimensions ${images.dims.join('×')})`);
  if (labels.dims[0] !== n) {
    throw dataError(
      labelsFile,
      `has ${labels.dims[0]} labels but ${imagesFile} has ${n} images; they must agree`,
    );
  }
  const keep = options.limit === undefined ? n : Math.min(n, options.limit);
  const y = labels.data.length === keep ? labels.data : labels.data.slice(0, keep);
  for (let i = 0; i < keep; i++) {
    if (y[i]! >= options.classes) {
      throw dataError(
        labelsFile,
        `label ${y[i]} at index ${i} is out of range; expected a class id in [0, ${options.classes - 1}]`,
      );
    }
  }
  const x =
    images.data.length === keep * rows * cols ? images.data : images.data.slice(0, keep * rows * cols);
  return { x, y, n: keep, rows, cols, file: imagesFile };
}

const missingHint = `an MNIST-format folder holds ${Object.values(IDX_FILE_NAMES).join(', ')} (each optionally .gz)`;

/**
 * Load an MNIST-format dataset (10 classes, `[rows, cols, 1]` images scaled to [0, 1], then
 * normalized) from the folder {@link locateDataDir} finds.
 *
 * @example
 * ```ts
 * const data = await loadIdxDataset('fashion-mnist', fashionMnistLocation, { ...fashionMnist.defaults, limit: 1000 });
 * ```
 */
export async function loadIdxDataset(
  name: string,
  location: DataLocation,
  options: FileDatasetOptions,
): Promise<ArrayDataset> {
  const dir = locateDataDir(name, location, options.dir);
  const limit = options.limit === undefined ? {} : { limit: options.limit };
  const [train, test] = await Promise.all([
    readIdxSplit(dir, 'train', { classes: 10, ...limit }),
    readIdxSplit(dir, 'test', { classes: 10, ...limit }),
  ]);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw dataError(
      test.file,
      `images are ${test.rows}×${test.cols} but the training images (${train.file}) are ${train.rows}×${train.cols}`,
    );
  }
  return createArrayDataset({
    name,
    task: 'classification',
    inputShape: [train.rows, train.cols, 1],
    outputSize: 10,
    train: { x: train.x, y: train.y },
    test: { x: test.x, y: test.y },
    validation: options.validation,
    seed: options.seed,
    normalize: options.normalize,
    augmentation: { padding: options.crop, flip: options.flip },
  });
}

/**
 * A {@link DataLocation} for an MNIST-format dataset: the folder counts when it holds any of the
 * four IDX files (plain, `.gz`, or with dotted names).
 *
 * @example
 * ```ts
 * const kmnist = idxLocation('KMNIST', 'kmnist', [], 'download it from the KMNIST repository');
 * ```
 */
export function idxLocation(
  title: string,
  folder: string,
  fallbacks: readonly string[],
  howToGet: string,
): DataLocation {
  const markers = Object.values(IDX_FILE_NAMES).flatMap((b) => {
    const dotted = b.replace(/-(idx\d-ubyte)$/, '.$1');
    return [b, `${b}.gz`, dotted, `${dotted}.gz`];
  });
  return {
    title,
    folder,
    markers,
    expected: `${Object.values(IDX_FILE_NAMES).join(', ')} (each optionally .gz)`,
    fallbacks,
    howToGet,
  };
}
