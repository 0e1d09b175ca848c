import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGunzip, gunzip, gunzipSync } from 'node:zlib';
import { dataError } from './data-error.js';

/** IDX magic number of unsigned-byte arrays with 3 dimensions (images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** IDX magic number of unsigned-byte arrays with 1 dimension (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** A decoded IDX file: its dimensions and its bytes (row-major). */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Parse the bytes of an (uncompressed) IDX file of unsigned bytes. Checks the magic number
 * (`expectedMagic`, e.g. {@link IDX_IMAGES_MAGIC}), that the header fits, and that the data length
 * equals the product of the header dimensions. With `prefixOf`, `bytes` may stop after the first
 * `prefixOf` items (an inflated prefix, see {@link readIdxFileAsync}): `dims` stay the header's,
 * `data` holds those items only. Errors are `E_DATA` naming `file`.
 *
 * @example
 * ```ts
 * const labels = parseIdx(Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 2, 7, 3), 'labels', IDX_LABELS_MAGIC);
 * // { dims: [2], data: Uint8Array [7, 3] }
 * ```
 */
export function parseIdx(
  bytes: Uint8Array,
  file: string,
  expectedMagic?: number,
  prefixOf?: number,
): IdxArray {
  const what =
    expectedMagic === IDX_IMAGES_MAGIC
      ? ' (IDX images)'
      : expectedMagic === IDX_LABELS_MAGIC
        ? ' (IDX labels)'
        : '';
  if (bytes.length < 4)
    throw dataError(file, `is ${bytes.length} bytes long, too short for an IDX header${what}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (expectedMagic !== undefined && magic !== expectedMagic) {
    throw dataError(file, `magic number is ${hex(magic)}, expected ${hex(expectedMagic)}${what}`, {
      hint: 'is this the right file (images vs labels), and is it decompressed correctly?',
    });
  }
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) {
    throw dataError(file, `magic number is ${hex(magic)}, not an IDX file of unsigned bytes (0x000008NN)`);
  }
  const ndims = bytes[3]!;
  const header = 4 + 4 * ndims;
  if (ndims === 0 || bytes.length < header) {
    throw dataError(
      file,
      `header declares ${ndims} dimensions (${header} header bytes) but the file has ${bytes.length} bytes`,
    );
  }
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i);
    dims.push(d);
    size *= d;
  }
  const have = bytes.length - header;
  const item = dims[0] === 0 ? 0 : size / dims[0]!;
  const prefix = prefixOf === undefined ? size : Math.min(dims[0]!, prefixOf) * item;
  if (have < size && have >= prefix) return { dims, data: bytes.subarray(header, header + prefix) };
  if (have !== size) {
    throw dataError(
      file,
      `header dimensions ${dims.join('×')} need ${size} data bytes but the file has ${have}${have < size ? ' (truncated?)' : ' (trailing bytes)'}`,
    );
  }
  return { dims, data: bytes.subarray(header) };
}

/**
 * Read an IDX file from disk, gunzipping it when it is gzip-compressed (by content, whatever its
 * name), then {@link parseIdx}.
 *
 * @example
 * ```ts
 * const images = readIdxFile('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz', IDX_IMAGES_MAGIC);
 * images.dims; // [10000, 28, 28]
 * ```
 */
export function readIdxFile(path: string, expectedMagic?: number): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw unreadable(path, e);
  }
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes, GUNZIP_OPTIONS);
    } catch (e) {
      throw badGzip(path, e);
    }
  }
  return parseIdx(bytes, path, expectedMagic);
}

/**
 * {@link readIdxFile} with asynchronous I/O and decompression (on libuv's thread pool), so several
 * files load in parallel. With `limit`, a gzipped file is inflated only as far as its first `limit`
 * items (`dims` stay the header's, `data` holds those items); its bytes past them are not checked.
 *
 * @example
 * ```ts
 * const [images, labels] = await Promise.all([readIdxFileAsync(a, IDX_IMAGES_MAGIC), readIdxFileAsync(b, IDX_LABELS_MAGIC)]);
 * ```
 */
export async function readIdxFileAsync(
  path: string,
  expectedMagic?: number,
  options: { limit?: number } = {},
): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw unreadable(path, e);
  }
  // Only an inflated prefix may be short: a plain file is read whole, so it is checked whole.
  let prefixOf: number | undefined;
  if (isGzip(bytes)) {
    try {
      if (options.limit === undefined) bytes = await gunzipAsync(bytes, GUNZIP_OPTIONS);
      else {
        prefixOf = options.limit;
        bytes = await gunzipPrefix(bytes, (head) => idxPrefixBytes(head, prefixOf!));
      }
    } catch (e) {
      throw badGzip(path, e);
    }
  }
  return parseIdx(bytes, path, expectedMagic, prefixOf);
}

/**
 * The bytes an IDX file needs up to its first `limit` items, from its first decompressed bytes:
 * `undefined` until the header is complete; everything (`Infinity`) when the header is not one
 * (then the whole file is decompressed and {@link parseIdx} says what is wrong).
 */
function idxPrefixBytes(head: Uint8Array, limit: number): number | undefined {
  if (head.length < 4) return undefined;
  if (head[0] !== 0 || head[1] !== 0 || head[2] !== 0x08 || head[3] === 0) return Number.POSITIVE_INFINITY;
  const header = 4 + 4 * head[3]!;
  if (head.length < header) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let item = 1;
  for (let i = 1; i < head[3]!; i++) item *= view.getUint32(4 + 4 * i);
  return header + Math.min(view.getUint32(4), limit) * item;
}

/**
 * Decompress a gzip stream only as far as needed: `needed(head)` gets the output so far until it
 * answers with a byte count (`undefined`: not known yet); the rest of the stream is not inflated.
 * A limited load of Fashion-MNIST (8,000 of 60,000 training images) inflates 13 % of the file.
 * The bytes past that point are not checked (nor the gzip CRC at the end).
 */
function gunzipPrefix(
  bytes: Uint8Array,
  needed: (head: Uint8Array) => number | undefined,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const z = createGunzip({ chunkSize: 1 << 20 });
    const chunks: Uint8Array[] = [];
    let got = 0;
    let want: number | undefined;
    let settled = false;
    const finish = (): void => {
      settled = true;
      const all = Buffer.concat(chunks, got);
      resolve(want !== undefined && want < got ? all.subarray(0, want) : all);
    };
    z.on('data', (c: Uint8Array) => {
      if (settled) return;
      chunks.push(c);
      got += c.length;
      want ??= needed(chunks.length === 1 ? c : Buffer.concat(chunks, got));
      if (want !== undefined && got >= want) {
        finish();
        z.destroy();
      }
    });
    z.on('end', () => {
      if (!settled) finish();
    });
    z.on('error', (e) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    });
    z.end(bytes);
  });
}

const gunzipAsync = promisify(gunzip);
/** Large output chunks: fewer buffer copies for the 47 MB of MNIST-size image files. */
const GUNZIP_OPTIONS = { chunkSize: 1 << 22 };

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function unreadable(path: string, e: unknown) {
  return dataError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
}

function badGzip(path: string, e: unknown) {
  return dataError(path, `is not a valid gzip file (${(e as Error).message})`, {
    cause: e,
    hint: 'the download may be incomplete: delete the file and fetch it again',
  });
}

/**
 * The path of an IDX file in `dir` under any of its usual names: `base`, `base.gz`, and the
 * dotted variant (`train-images.idx3-ubyte`), each with or without `.gz`. `undefined` if none exists.
 *
 * @example
 * ```ts
 * findIdxFile('/usr/share/datasets/fashion-mnist', 'train-images-idx3-ubyte'); // '…/train-images-idx3-ubyte.gz'
 * ```
 */
export function findIdxFile(dir: string, base: string): string | undefined {
  const dotted = base.replace(/-(idx\d-ubyte)$/, '.$1');
  for (const name of [base, `${base}.gz`, dotted, `${dotted}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
