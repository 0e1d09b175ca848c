import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { PruneError } from '@prunekit/core';
import { safeArchivePath } from './archive-path.js';
import { crc32 } from './crc32.js';

/** One entry of a zip archive's central directory. */
export interface ZipEntry {
  /** Safe relative path; directories have no trailing slash. */
  readonly path: string;
  readonly type: 'file' | 'directory';
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the entry's local header. */
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * List the entries of a zip archive from its central directory (zip64 aware; the entry list is
 * read up to the directory's end, so archives with more than 65,535 entries work). Errors are
 * `E_DOWNLOAD` naming `source`: no end-of-directory record, truncated directory, encrypted
 * entries, unsafe paths.
 *
 * @example
 * ```ts
 * const zip = readFileSync('tiny-imagenet-200.zip');
 * listZip(zip, 'tiny-imagenet-200.zip').length; // 120,000+ entries
 * ```
 */
export function listZip(zip: Uint8Array, source: string): ZipEntry[] {
  const fail = (what: string) =>
    new PruneError('E_DOWNLOAD', `${source}: ${what}`, {
      where: source,
      hint: 'delete the archive and download it again',
    });
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw fail('not a zip archive (no end-of-central-directory record; truncated?)');
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (
    (cdSize === 0xffffffff || cdOffset === 0xffffffff || view.getUint16(eocd + 10, true) === 0xffff) &&
    eocd >= 20
  ) {
    if (view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
      const rec = Number(view.getBigUint64(eocd - 20 + 8, true));
      if (rec + 56 > zip.length || view.getUint32(rec, true) !== ZIP64_EOCD)
        throw fail('corrupt zip64 end-of-central-directory record');
      cdSize = Number(view.getBigUint64(rec + 40, true));
      cdOffset = Number(view.getBigUint64(rec + 48, true));
    }
  }
  if (cdOffset + cdSize > zip.length)
    throw fail(`central directory (${cdSize} bytes at ${cdOffset}) lies beyond the end of the file`);
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  const end = cdOffset + cdSize;
  while (p < end) {
    if (p + 46 > end || view.getUint32(p, true) !== CENTRAL)
      throw fail(`corrupt central directory at byte ${p}`);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    const raw = Buffer.from(zip.buffer, zip.byteOffset + p + 46, nameLen).toString(
      (flags & 0x800) !== 0 ? 'utf8' : 'latin1',
    );
    // zip64 extra field: the 64-bit values of whichever fields are 0xffffffff, in this order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = view.getUint16(x, true);
      const len = view.getUint16(x + 2, true);
      if (id === 0x0001) {
        let q = x + 4;
        if (size === 0xffffffff) {
          size = Number(view.getBigUint64(q, true));
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = Number(view.getBigUint64(q, true));
          q += 8;
        }
        if (localOffset === 0xffffffff) localOffset = Number(view.getBigUint64(q, true));
      }
      x += 4 + len;
    }
    p = xEnd + commentLen;
    if ((flags & 0x1) !== 0) throw fail(`entry '${raw}' is encrypted; encrypted zips are not supported`);
    const isDir = raw.endsWith('/');
    entries.push({
      path: safeArchivePath(raw, source),
      type: isDir ? 'directory' : 'file',
      method,
      crc32: crc,
      compressedSize,
      size,
      localOffset,
    });
  }
  return entries;
}

/**
 * The uncompressed bytes of one zip entry (stored or deflated via `node:zlib`), checked against
 * the directory's size and CRC-32.
 *
 * @example
 * ```ts
 * const bytes = zipEntryData(zip, listZip(zip, 'a.zip')[0]!, 'a.zip');
 * ```
 */
export function zipEntryData(zip: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  const fail = (what: string) =>
    new PruneError('E_DOWNLOAD', `${source}: entry '${entry.path}': ${what}`, { where: source });
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const o = entry.localOffset;
  if (o + 30 > zip.length || view.getUint32(o, true) !== LOCAL) throw fail(`no local header at byte ${o}`);
  const start = o + 30 + view.getUint16(o + 26, true) + view.getUint16(o + 28, true);
  if (start + entry.compressedSize > zip.length)
    throw fail('data runs past the end of the archive (truncated?)');
  const raw = zip.subarray(start, start + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) {
    try {
      data = inflateRawSync(raw);
    } catch (e) {
      throw fail(`cannot be inflated (${(e as Error).message})`);
    }
  } else throw fail(`uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
  if (data.length !== entry.size) throw fail(`is ${data.length} bytes, the directory says ${entry.size}`);
  if (crc32(data) !== entry.crc32) throw fail('CRC-32 mismatch');
  return data;
}

/**
 * Extract a zip archive into `destDir` (created if needed); returns the relative paths of the
 * files written. The archive is read into memory; entries are inflated one at a time.
 *
 * @example
 * ```ts
 * extractZip('/data/tiny-imagenet-200.zip', '/data'); // writes /data/tiny-imagenet-200/…
 * ```
 */
export function extractZip(archive: string, destDir: string): string[] {
  const zip = readFileSync(archive);
  const written: string[] = [];
  mkdirSync(destDir, { recursive: true });
  const made = new Set<string>();
  for (const entry of listZip(zip, archive)) {
    if (entry.path === '') continue;
    const target = join(destDir, entry.path);
    if (entry.type === 'directory') {
      mkdirSync(target, { recursive: true });
      continue;
    }
    const data = zipEntryData(zip, entry, archive);
    const parent = dirname(target);
    if (!made.has(parent)) {
      mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    const fd = openSync(target, 'w');
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    } finally {
      closeSync(fd);
    }
    written.push(entry.path);
  }
  return written;
}
