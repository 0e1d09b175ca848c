import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isPruneError } from '@prunekit/core';
import { readCifarFiles } from './cifar-binary.js';
import { CIFAR10_FILES, cifar10Location } from './cifar10.js';
import { CIFAR100_FILES, cifar100Location } from './cifar100.js';
import type { DataLocation } from './data-dir.js';
import { dataError } from './data-error.js';
import { fashionMnistLocation } from './fashion-mnist.js';
import { readIdxSplit } from './idx-dataset.js';
import { mnistLocation } from './mnist.js';
import type { FetchableDataset } from './sources.js';
import { decodeTinyImagenet, indexTinyImagenet, tinyImagenetLocation } from './tiny-imagenet.js';

/** The result of checking one dataset folder. */
export interface DatasetCheck {
  /** Registry name, e.g. `cifar10`. */
  readonly name: FetchableDataset;
  readonly title: string;
  /** The folder that was checked. */
  readonly path: string;
  /** True when every check passed. */
  readonly ok: boolean;
  /** What is wrong (each an `E_DATA` message naming the file), empty when `ok`. */
  readonly problems: readonly string[];
  /** Examples found, when the files could be read. */
  readonly counts?: { readonly train: number; readonly test: number };
  /** Extra information, e.g. how much of a folder was decoded. */
  readonly note?: string;
}

/** What {@link checkDataset} found in a directory. */
export interface DataCheckReport {
  readonly dir: string;
  readonly exists: boolean;
  /** The directory exists and holds nothing. */
  readonly empty: boolean;
  /** One entry per known dataset found in (or at) the directory. */
  readonly datasets: readonly DatasetCheck[];
}

const LOCATIONS: Readonly<Record<FetchableDataset, DataLocation>> = {
  mnist: mnistLocation,
  'fashion-mnist': fashionMnistLocation,
  cifar10: cifar10Location,
  cifar100: cifar100Location,
  'tiny-imagenet': tinyImagenetLocation,
};

/**
 * Report which known datasets a directory holds and whether their files validate (the backend of
 * `prunekit data check`). A dataset is found in `dir/<folder>` (e.g. `dir/cifar-10-batches-bin`),
 * `dir/<name>`, or `dir` itself when its name is the folder's. IDX and CIFAR files are read in full
 * and checked like the loaders do (magic numbers, lengths, counts, label ranges); Tiny ImageNet's
 * structure is checked and one image per class plus the first validation images are decoded
 * (`deep: true` decodes all).
 *
 * @example
 * ```ts
 * const report = await checkDataset(process.env.PRUNEKIT_DATA_DIR ?? '/usr/share/datasets');
 * for (const d of report.datasets) console.log(d.name, d.ok ? 'ok' : d.problems.join('; '));
 * ```
 */
export async function checkDataset(dir: string, options: { deep?: boolean } = {}): Promise<DataCheckReport> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    return { dir, exists: false, empty: false, datasets: [] };
  if (readdirSync(dir).length === 0) return { dir, exists: true, empty: true, datasets: [] };
  const datasets: DatasetCheck[] = [];
  const base = basename(resolve(dir));
  for (const name of Object.keys(LOCATIONS) as FetchableDataset[]) {
    const loc = LOCATIONS[name];
    const candidates = [
      join(dir, loc.folder),
      join(dir, name),
      ...(base === loc.folder || base === name ? [dir] : []),
    ];
    const found = candidates.find((c) => hasMarkers(c, loc));
    if (found) datasets.push(await checkDatasetFolder(name, found, options));
  }
  if (datasets.length === 0 && hasMarkers(dir, mnistLocation)) {
    const check = await checkDatasetFolder('mnist', dir, options);
    datasets.push({
      ...check,
      note: 'MNIST-format files; the file names do not tell MNIST from Fashion-MNIST',
    });
  }
  return { dir, exists: true, empty: false, datasets };
}

/**
 * Check that `folder` holds a valid copy of dataset `name` (see {@link checkDataset}).
 *
 * @example
 * ```ts
 * (await checkDatasetFolder('fashion-mnist', '/usr/share/datasets/fashion-mnist')).ok; // true when installed
 * ```
 */
export async function checkDatasetFolder(
  name: FetchableDataset,
  folder: string,
  options: { deep?: boolean } = {},
): Promise<DatasetCheck> {
  const title = LOCATIONS[name].title;
  try {
    const { counts, note } = await validate(name, folder, options.deep ?? false);
    return { name, title, path: folder, ok: true, problems: [], counts, ...(note ? { note } : {}) };
  } catch (e) {
    const problem = isPruneError(e) ? e.message : `unexpected error: ${(e as Error).message ?? String(e)}`;
    return { name, title, path: folder, ok: false, problems: [problem] };
  }
}

async function validate(
  name: FetchableDataset,
  folder: string,
  deep: boolean,
): Promise<{ counts: { train: number; test: number }; note?: string }> {
  switch (name) {
    case 'mnist':
    case 'fashion-mnist': {
      const train = await readIdxSplit(folder, 'train', { classes: 10 });
      const test = await readIdxSplit(folder, 'test', { classes: 10 });
      if (train.rows !== test.rows || train.cols !== test.cols) {
        throw dataError(
          test.file,
          `images are ${test.rows}×${test.cols}, the training images ${train.rows}×${train.cols}`,
        );
      }
      return { counts: { train: train.n, test: test.n } };
    }
    case 'cifar10': {
      const layout = { labelBytes: 1, classes: [10], labelIndex: 0, labelNames: ['class'] } as const;
      const train = readCifarFiles(
        CIFAR10_FILES.train.map((f) => join(folder, f)),
        layout,
      );
      const test = readCifarFiles(
        CIFAR10_FILES.test.map((f) => join(folder, f)),
        layout,
      );
      return { counts: { train: train.n, test: test.n } };
    }
    case 'cifar100': {
      const layout = {
        labelBytes: 2,
        classes: [20, 100],
        labelIndex: 1,
        labelNames: ['coarse', 'fine'],
      } as const;
      const train = readCifarFiles(
        CIFAR100_FILES.train.map((f) => join(folder, f)),
        layout,
      );
      const test = readCifarFiles(
        CIFAR100_FILES.test.map((f) => join(folder, f)),
        layout,
      );
      return { counts: { train: train.n, test: test.n } };
    }
    case 'tiny-imagenet': {
      const index = indexTinyImagenet(folder);
      if (deep) {
        decodeTinyImagenet(index.train);
        decodeTinyImagenet(index.val);
        return { counts: { train: index.train.length, test: index.val.length }, note: 'every image decoded' };
      }
      const k = index.wnids.length;
      decodeTinyImagenet(index.train.slice(0, k));
      decodeTinyImagenet(index.val.slice(0, 10));
      return {
        counts: { train: index.train.length, test: index.val.length },
        note: 'structure checked; one training image per class and the first validation images decoded (deep: true decodes all)',
      };
    }
  }
}

function hasMarkers(folder: string, loc: DataLocation): boolean {
  try {
    return statSync(folder).isDirectory() && loc.markers.some((m) => existsSync(join(folder, m)));
  } catch {
    return false;
  }
}
