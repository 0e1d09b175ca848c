import { readFileSync, statSync } from 'node:fs';
import { dataError } from './data-error.js';

/** Pixels of one CIFAR image: 32×32×3. */
export const CIFAR_PIXELS = 3072;

/** How the records of a CIFAR binary file are laid out. */
export interface CifarLayout {
  /** Label bytes before the pixels: 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine). */
  readonly labelBytes: 1 | 2;
  /** Class count of each label byte, e.g. `[10]` or `[20, 100]`. */
  readonly classes: readonly number[];
  /** Which label byte is the class id (CIFAR-100: 0 coarse, 1 fine). */
  readonly labelIndex: number;
  /** Names of the label bytes, for messages. */
  readonly labelNames: readonly string[];
}

/** Examples read from CIFAR binary files: HWC bytes and class ids. */
export interface CifarExamples {
  /** `[n, 32, 32, 3]` bytes (HWC). */
  readonly x: Uint8Array;
  readonly y: Uint8Array;
  readonly n: number;
}

/**
 * Read CIFAR binary files (records of label byte(s) + 3072 pixel bytes stored channel-major
 * CHW) and convert the pixels to HWC. Checks that each file exists, is non-empty and a whole
 * number of records long, and that every label byte is in range. With `limit`, stops after that
 * many examples (files are read in order).
 *
 * @example
 * ```ts
 * const test = readCifarFiles(['/data/cifar-10-batches-bin/test_batch.bin'],
 *   { labelBytes: 1, classes: [10], labelIndex: 0, labelNames: ['label'] });
 * test.n; // 10000
 * ```
 */
export function readCifarFiles(files: readonly string[], layout: CifarLayout, limit?: number): CifarExamples {
  const record = layout.labelBytes + CIFAR_PIXELS;
  const counts: number[] = [];
  for (const file of files) {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      throw dataError(file, 'missing', { hint: expectedFiles(layout) });
    }
    if (size === 0)
      throw dataError(file, 'is empty', {
        hint: 'the download or extraction was incomplete: fetch the dataset again',
      });
    if (size % record !== 0) {
      throw dataError(
        file,
        `length ${size} is not a multiple of the record size ${record} (${layout.labelBytes} label byte${layout.labelBytes > 1 ? 's' : ''} + ${CIFAR_PIXELS} pixel bytes); the file is truncated or not a CIFAR binary file`,
      );
    }
    counts.push(size / record);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const n = limit === undefined ? total : Math.min(total, limit);
  const x = new Uint8Array(n * CIFAR_PIXELS);
  const y = new Uint8Array(n);
  let k = 0;
  for (let f = 0; f < files.length && k < n; f++) {
    const file = files[f]!;
    const bytes = readFileSync(file);
    const records = Math.min(counts[f]!, n - k);
    for (let r = 0; r < records; r++, k++) {
      const off = r * record;
      for (let l = 0; l < layout.labelBytes; l++) {
        const v = bytes[off + l]!;
        if (v >= layout.classes[l]!) {
          throw dataError(
            file,
            `record ${r}: ${layout.labelNames[l]} label ${v} is out of range; expected [0, ${layout.classes[l]! - 1}]`,
          );
        }
      }
      y[k] = bytes[off + layout.labelIndex]!;
      const src = off + layout.labelBytes;
      const dst = k * CIFAR_PIXELS;
      for (let p = 0; p < 1024; p++) {
        const o = dst + p * 3;
        x[o] = bytes[src + p]!;
        x[o + 1] = bytes[src + 1024 + p]!;
        x[o + 2] = bytes[src + 2048 + p]!;
      }
    }
  }
  return { x, y, n };
}

function expectedFiles(layout: CifarLayout): string {
  return layout.labelBytes === 1
    ? 'CIFAR-10 binary: cifar-10-batches-bin/data_batch_1.bin … data_batch_5.bin and test_batch.bin'
    : 'CIFAR-100 binary: cifar-100-binary/train.bin and test.bin';
}
