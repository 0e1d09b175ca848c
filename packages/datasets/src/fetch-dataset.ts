import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PruneError } from '@prunekit/core';
import { checkDatasetFolder } from './check-dataset.js';
import { downloadFile, type FetchLike, sha256File } from './download.js';
import { DATASET_SOURCES, type DatasetSource, type FetchableDataset, type SourceFile } from './sources.js';
import { extractTarGz } from './tar.js';
import { extractZip } from './zip.js';

/** Options of {@link fetchDataset}. */
export interface FetchDatasetOptions {
  /** The data root: the dataset lands in `dir/<folder>` (e.g. `dir/cifar-10-batches-bin`). */
  readonly dir: string;
  /** A mirror: each file is fetched from `<baseUrl>/<file name>` instead of its known URL. */
  readonly baseUrl?: string;
  /** `fetch` implementation (default: the global one). */
  readonly fetch?: FetchLike;
  /** Replace the known source (other files or checksums, e.g. a private mirror of a new release). */
  readonly source?: DatasetSource;
  /** Keep a downloaded archive after extracting it (default: delete it). */
  readonly keepArchive?: boolean;
  /** Progress of each file. */
  readonly onProgress?: (file: string, received: number, total: number | undefined) => void;
}

/** What {@link fetchDataset} did. */
export interface FetchDatasetResult {
  readonly name: FetchableDataset;
  /** The dataset folder (what loaders find under the data root). */
  readonly path: string;
  /** Files downloaded now. */
  readonly downloaded: readonly string[];
  /** Files already on disk with the right checksum, not downloaded again. */
  readonly reused: readonly string[];
  /** The dataset folder already validated; nothing was done. */
  readonly alreadyPresent: boolean;
}

/**
 * Download a dataset into the data root `dir`, verify every file's SHA-256 (and size), and extract
 * archives (`.tar.gz` for CIFAR, `.zip` for Tiny ImageNet) with prunekit's own readers (no shelling
 * out). Resume-safe: each file is downloaded to a temp name and renamed only after its checksum
 * matched; files already present with the right checksum are reused; archives are extracted into a
 * hidden staging folder that is renamed into place at the end, so an interruption never leaves a
 * valid-looking but incomplete dataset. If the dataset folder already validates, nothing is done.
 * Failures are `E_DOWNLOAD` (network, checksum, archive) naming the URL or file.
 *
 * @example
 * ```ts
 * await fetchDataset('cifar10', { dir: process.env.PRUNEKIT_DATA_DIR ?? './data' });
 * const data = await loadDataset(cifar10, { dir: './data' });
 * ```
 */
export async function fetchDataset(
  name: FetchableDataset,
  options: FetchDatasetOptions,
): Promise<FetchDatasetResult> {
  const known = DATASET_SOURCES[name];
  if (!known) {
    throw new PruneError(
      'E_UNKNOWN_NAME',
      `cannot fetch unknown dataset '${String(name)}'; known: ${Object.keys(DATASET_SOURCES).join(', ')}`,
    );
  }
  const src = options.source ?? known;
  const dir = options.dir;
  const target = join(dir, src.folder);
  await mkdir(dir, { recursive: true });
  if (existsSync(target) && (await checkDatasetFolder(name, target)).ok) {
    return { name, path: target, downloaded: [], reused: [], alreadyPresent: true };
  }
  const downloaded: string[] = [];
  const reused: string[] = [];
  const get = async (f: SourceFile, dest: string) => {
    if (existsSync(dest) && (await sha256File(dest)) === f.sha256.toLowerCase()) {
      reused.push(dest);
      return;
    }
    const url = options.baseUrl ? `${options.baseUrl.replace(/\/+$/, '')}/${f.file}` : f.url;
    await downloadFile(url, dest, {
      sha256: f.sha256,
      ...(f.bytes === undefined ? {} : { bytes: f.bytes }),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.onProgress
        ? { onProgress: (r: number, t: number | undefined) => options.onProgress?.(f.file, r, t) }
        : {}),
    });
    downloaded.push(dest);
  };

  if (src.archive === 'none') {
    for (const f of src.files) await get(f, join(target, f.file));
  } else {
    if (existsSync(target)) {
      const problems = (await checkDatasetFolder(name, target)).problems.join('; ');
      throw new PruneError(
        'E_DOWNLOAD',
        `${target} exists but does not hold a valid ${src.title} (${problems})`,
        {
          where: target,
          hint: 'move or delete that folder, then fetch again',
        },
      );
    }
    for (const f of src.files) {
      const archive = join(dir, f.file);
      await get(f, archive);
      const staging = join(dir, `.${src.folder}.extract-${process.pid}`);
      await rm(staging, { recursive: true, force: true });
      try {
        if (src.archive === 'tar.gz') extractTarGz(archive, staging);
        else extractZip(archive, staging);
        const extracted = join(staging, src.folder);
        if (!existsSync(extracted)) {
          throw new PruneError(
            'E_DOWNLOAD',
            `${archive} does not contain the folder ${src.folder}/ at its top level`,
            { where: archive },
          );
        }
        await rename(extracted, target);
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
      if (!options.keepArchive) await rm(archive, { force: true });
    }
  }
  const check = await checkDatasetFolder(name, target);
  if (!check.ok) {
    throw new PruneError(
      'E_DOWNLOAD',
      `fetched ${src.title} into ${target} but it does not validate: ${check.problems.join('; ')}`,
      {
        where: target,
      },
    );
  }
  return { name, path: target, downloaded, reused, alreadyPresent: false };
}
