import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PruneError } from '@prunekit/core';

/** Environment variable naming the root folder that holds one sub-folder per dataset. */
export const DATA_DIR_ENV = 'PRUNEKIT_DATA_DIR';

/** Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** How to recognise a dataset's folder. */
export interface DataLocation {
  /** Human name for messages, e.g. `Fashion-MNIST`. */
  readonly title: string;
  /** Canonical folder name under a data root, e.g. `cifar-10-batches-bin`. */
  readonly folder: string;
  /** File names whose presence (any of them) marks the folder. */
  readonly markers: readonly string[];
  /** What the folder should hold, for messages. */
  readonly expected: string;
  /** Folders tried after `$PRUNEKIT_DATA_DIR` when no `dir` is given. */
  readonly fallbacks?: readonly string[];
  /** How to get the data, for messages. */
  readonly howToGet: string;
}

/**
 * Find the folder of a dataset. With `dir`: `dir/<folder>` or `dir` itself. Without: first
 * `$PRUNEKIT_DATA_DIR/<folder>` (and `$PRUNEKIT_DATA_DIR/<name>`), then the dataset's fallbacks.
 * A folder counts when it holds any of the marker files. Otherwise `E_DATA` says what was tried,
 * whether a directory is missing or empty, what it holds, and how to get the data.
 *
 * @example
 * ```ts
 * locateDataDir('cifar10', cifar10Location, '/data'); // '/data/cifar-10-batches-bin'
 * ```
 */
export function locateDataDir(
  name: string,
  location: DataLocation,
  dir: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string {
  const root = env[DATA_DIR_ENV];
  const candidates = dir
    ? [join(dir, location.folder), dir]
    : [...(root ? [join(root, location.folder), join(root, name)] : []), ...(location.fallbacks ?? [])];
  const unique = [...new Set(candidates.map((c) => resolve(c)))];
  for (const c of unique) {
    if (isDir(c) && location.markers.some((m) => existsSync(join(c, m)))) return c;
  }
  const hint = `expected ${location.expected}. ${location.howToGet}`;
  if (dir) {
    if (!existsSync(dir)) {
      throw new PruneError('E_DATA', `${location.title}: directory ${dir} does not exist`, {
        where: dir,
        hint,
      });
    }
    if (!isDir(dir))
      throw new PruneError('E_DATA', `${location.title}: ${dir} is not a directory`, { where: dir, hint });
    const entries = readdirSync(dir);
    if (entries.length === 0) {
      throw new PruneError('E_DATA', `${location.title}: directory ${dir} is empty`, { where: dir, hint });
    }
    throw new PruneError(
      'E_DATA',
      `${location.title}: no ${location.title} files in ${dir} (nor in ${join(dir, location.folder)}); it holds: ${listSome(entries)}`,
      { where: dir, hint },
    );
  }
  throw new PruneError(
    'E_DATA',
    `${location.title}: no data found; looked in ${unique.length ? unique.join(', ') : '(nowhere: no dir option and no $' + DATA_DIR_ENV + ')'}`,
    { hint: `pass the option dir, or set ${DATA_DIR_ENV} to a folder holding ${location.folder}/; ${hint}` },
  );
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function listSome(entries: readonly string[]): string {
  const sorted = [...entries].sort();
  return sorted.length > 12
    ? `${sorted.slice(0, 12).join(', ')}, … (${sorted.length} entries)`
    : sorted.join(', ');
}
