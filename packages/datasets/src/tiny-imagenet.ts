import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from '@prunekit/core';
import { type ArrayDataset, createArrayDataset } from './array-dataset.js';
import { dataError } from './data-error.js';
import { type DataLocation, locateDataDir } from './data-dir.js';
import type { DatasetFactory } from './dataset-factory.js';
import { decodeJpegRgb } from './jpeg.js';
import { type FileDatasetOptions, fileOptionsShape } from './options.js';

/** Options of {@link tinyImagenet}. */
export type TinyImagenetOptions = FileDatasetOptions;

/** Side of a Tiny ImageNet image. */
export const TINY_IMAGENET_SIZE = 64;

/** Where Tiny ImageNet is looked for: `dir` or `dir/tiny-imagenet-200`, `$PRUNEKIT_DATA_DIR/tiny-imagenet-200`. */
export const tinyImagenetLocation: DataLocation = {
  title: 'Tiny ImageNet',
  folder: 'tiny-imagenet-200',
  markers: ['wnids.txt'],
  expected:
    'tiny-imagenet-200/ with wnids.txt, train/<wnid>/images/*.JPEG, val/val_annotations.txt and val/images/*.JPEG',
  howToGet:
    "download it with fetchDataset('tiny-imagenet', { dir }) (CLI: prunekit data fetch tiny-imagenet)",
};

/** The file lists of a Tiny ImageNet folder, before decoding. */
export interface TinyImagenetIndex {
  readonly dir: string;
  /** Class ids (WordNet ids) in `wnids.txt` order; the label of a class is its position. */
  readonly wnids: readonly string[];
  /** Training images, interleaved across classes (image 0 of every class, then image 1, …). */
  readonly train: readonly { readonly file: string; readonly label: number }[];
  /** Labelled validation images in `val_annotations.txt` order (used as the test split). */
  readonly val: readonly { readonly file: string; readonly label: number }[];
}

/**
 * List the images and labels of a `tiny-imagenet-200/` folder and check its structure: `wnids.txt`
 * non-empty without duplicates, one `train/<wnid>/images/` folder with JPEGs per class,
 * `val/val_annotations.txt` naming existing images of known classes.
 *
 * @example
 * ```ts
 * const index = indexTinyImagenet('/data/tiny-imagenet-200');
 * index.wnids.length; // 200
 * ```
 */
export function indexTinyImagenet(dir: string): TinyImagenetIndex {
  const wnidsFile = join(dir, 'wnids.txt');
  if (!existsSync(wnidsFile)) throw dataError(wnidsFile, 'missing', { hint: tinyImagenetLocation.expected });
  const wnids = readFileSync(wnidsFile, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (wnids.length === 0)
    throw dataError(wnidsFile, 'is empty; expected one class id (e.g. n01443537) per line');
  const labelOf = new Map<string, number>();
  wnids.forEach((w, i) => {
    if (/\s/.test(w)) throw dataError(wnidsFile, `line ${i + 1} '${w}' is not a single class id`);
    if (labelOf.has(w))
      throw dataError(wnidsFile, `class id ${w} appears twice (lines ${labelOf.get(w)! + 1} and ${i + 1})`);
    labelOf.set(w, i);
  });

  const perClass: string[][] = wnids.map((w) => {
    const imagesDir = join(dir, 'train', w, 'images');
    if (!isDir(imagesDir))
      throw dataError(
        imagesDir,
        `missing: no training images folder for class ${w} (listed in ${wnidsFile})`,
      );
    const files = readdirSync(imagesDir)
      .filter(isJpegName)
      .sort()
      .map((f) => join(imagesDir, f));
    if (files.length === 0) throw dataError(imagesDir, `holds no .JPEG images for class ${w}`);
    return files;
  });
  const train: { file: string; label: number }[] = [];
  const longest = Math.max(...perClass.map((f) => f.length));
  for (let j = 0; j < longest; j++) {
    for (let k = 0; k < perClass.length; k++) {
      const file = perClass[k]![j];
      if (file !== undefined) train.push({ file, label: k });
    }
  }

  const annotations = join(dir, 'val', 'val_annotations.txt');
  if (!existsSync(annotations))
    throw dataError(annotations, 'missing', { hint: tinyImagenetLocation.expected });
  const val: { file: string; label: number }[] = [];
  const lines = readFileSync(annotations, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim().length === 0) return;
    const [name, wnid] = line.trim().split(/\s+/);
    if (!name || !wnid)
      throw dataError(annotations, `line ${i + 1} should be '<image>\\t<wnid>\\t…', got '${line}'`);
    const label = labelOf.get(wnid);
    if (label === undefined)
      throw dataError(annotations, `line ${i + 1}: class ${wnid} is not in ${wnidsFile}`);
    const file = join(dir, 'val', 'images', name);
    if (!existsSync(file)) throw dataError(file, `missing (listed on line ${i + 1} of ${annotations})`);
    val.push({ file, label });
  });
  if (val.length === 0) throw dataError(annotations, 'lists no validation images');
  return { dir, wnids, train, val };
}

/**
 * Decode a list of 64×64 JPEGs into `[n, 64, 64, 3]` bytes and their labels.
 *
 * @example
 * ```ts
 * const { x, y } = decodeTinyImagenet(index.val.slice(0, 10));
 * ```
 */
export function decodeTinyImagenet(items: readonly { file: string; label: number }[]): {
  x: Uint8Array;
  y: Int32Array;
} {
  const px = TINY_IMAGENET_SIZE * TINY_IMAGENET_SIZE * 3;
  const x = new Uint8Array(items.length * px);
  const y = new Int32Array(items.length);
  items.forEach((item, k) => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(item.file);
    } catch (e) {
      throw dataError(item.file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, {
        cause: e,
      });
    }
    x.set(decodeJpegRgb(bytes, item.file, { width: TINY_IMAGENET_SIZE, height: TINY_IMAGENET_SIZE }), k * px);
    y[k] = item.label;
  });
  return { x, y };
}

/**
 * Tiny ImageNet (CS231n): 200 classes of 64×64 colour JPEGs, 500 train images per class and 50
 * labelled validation images per class (the validation set is this dataset's test split; the
 * official test set has no labels). Greyscale JPEGs are expanded to RGB; decoding uses `jpeg-js`.
 * Paper augmentation (crop with 4-pixel padding, flips) by default.
 *
 * @example
 * ```ts
 * const data = await loadDataset(tinyImagenet, { dir: '/data', limit: 2000 });
 * ```
 */
export const tinyImagenet: DatasetFactory<TinyImagenetOptions> = {
  name: 'tiny-imagenet',
  description:
    'Tiny ImageNet (tiny-imagenet-200 folder of JPEGs, 64×64×3, 200 classes), crop+flip augmentation',
  reference: 'Le & Yang 2015, CS231n Tiny ImageNet challenge',
  defaults: { validation: 0, seed: 0, normalize: 'train', crop: 4, flip: true },
  schema: z.object(fileOptionsShape).strict(),
  load: (options) => loadTinyImagenet(options),
};

function loadTinyImagenet(options: TinyImagenetOptions): ArrayDataset {
  const dir = locateDataDir('tiny-imagenet', tinyImagenetLocation, options.dir);
  const index = indexTinyImagenet(dir);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const train = decodeTinyImagenet(index.train.slice(0, limit));
  const test = decodeTinyImagenet(index.val.slice(0, limit));
  return createArrayDataset({
    name: 'tiny-imagenet',
    task: 'classification',
    inputShape: [TINY_IMAGENET_SIZE, TINY_IMAGENET_SIZE, 3],
    outputSize: index.wnids.length,
    train,
    test,
    validation: options.validation,
    seed: options.seed,
    normalize: options.normalize,
    augmentation: { padding: options.crop, flip: options.flip },
  });
}

function isJpegName(name: string): boolean {
  return /\.jpe?g$/i.test(name);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
