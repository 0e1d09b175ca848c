import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PruneError } from '@prunekit/core';
import { safeArchivePath } from './archive-path.js';

/** One entry of a tar archive. `data` views the archive's bytes (no copy). */
export interface TarEntry {
  /** Safe relative path (see `safeArchivePath`); directories have no trailing slash. */
  readonly path: string;
  readonly type: 'file' | 'directory';
  readonly data: Uint8Array;
}

/**
 * Parse an uncompressed tar archive (ustar, GNU long names, pax `path` records). Regular files
 * and directories are returned; links and other special entries are skipped. Header checksums
 * are verified; truncation, bad headers and unsafe paths throw `E_DOWNLOAD` naming `source`.
 *
 * @example
 * ```ts
 * for (const e of readTar(gunzipSync(readFileSync('cifar-10-binary.tar.gz')), 'cifar-10-binary.tar.gz')) console.log(e.path);
 * ```
 */
export function readTar(tar: Uint8Array, source: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let off = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  const fail = (what: string) =>
    new PruneError('E_DOWNLOAD', `${source}: ${what}`, {
      where: source,
      hint: 'delete the archive and download it again',
    });
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) return entries; // end-of-archive marker
    const stored = parseOctal(h.subarray(148, 156));
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (stored !== sum) {
      throw fail(
        off === 0
          ? 'not a tar archive (the first header is invalid)'
          : `corrupt tar header at byte ${off} (checksum ${stored}, computed ${sum})`,
      );
    }
    const size = parseSize(h.subarray(124, 136));
    const type = String.fromCharCode(h[156]!);
    const start = off + 512;
    if (start + size > tar.length)
      throw fail(`truncated: entry at byte ${off} needs ${size} bytes, ${tar.length - start} remain`);
    const data = tar.subarray(start, start + size);
    off = start + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = cString(data);
      continue;
    }
    if (type === 'x') {
      paxPath = paxRecord(data, 'path') ?? paxPath;
      continue;
    }
    if (type === 'g') continue;
    let name = cString(h.subarray(0, 100));
    // POSIX ustar ("ustar\0") has a name prefix at 345; old GNU tar ("ustar  \0") keeps other fields there.
    if (cString(h.subarray(257, 262)) === 'ustar' && h[262] === 0) {
      const prefix = cString(h.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    name = paxPath ?? longName ?? name;
    paxPath = undefined;
    longName = undefined;
    if (type === '0' || type === '\0' || type === '7') {
      entries.push({ path: safeArchivePath(name, source), type: 'file', data });
    } else if (type === '5') {
      entries.push({ path: safeArchivePath(name, source), type: 'directory', data });
    }
  }
  if (off === 0)
    throw fail(tar.length === 0 ? 'empty archive' : 'not a tar archive (shorter than one header)');
  if (off !== tar.length) throw fail(`truncated: ${tar.length - off} stray bytes at the end`);
  return entries;
}

/**
 * Extract a `.tar.gz` archive into `destDir` (created if needed); returns the relative paths of
 * the files written. Reads the archive into memory (the CIFAR tarballs are ~170 MB).
 *
 * @example
 * ```ts
 * extractTarGz('/data/cifar-10-binary.tar.gz', '/data'); // writes /data/cifar-10-batches-bin/…
 * ```
 */
export function extractTarGz(archive: string, destDir: string): string[] {
  let tar: Uint8Array;
  try {
    tar = gunzipSync(readFileSync(archive));
  } catch (e) {
    throw new PruneError('E_DOWNLOAD', `${archive}: not a valid gzip file (${(e as Error).message})`, {
      cause: e,
      where: archive,
      hint: 'delete the archive and download it again',
    });
  }
  const written: string[] = [];
  mkdirSync(destDir, { recursive: true });
  for (const entry of readTar(tar, archive)) {
    if (entry.path === '') continue;
    const target = join(destDir, entry.path);
    if (entry.type === 'directory') mkdirSync(target, { recursive: true });
    else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, entry.data);
      written.push(entry.path);
    }
  }
  return written;
}

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return Buffer.from(b.buffer, b.byteOffset, end < 0 ? b.length : end).toString('utf8');
}

function parseOctal(b: Uint8Array): number {
  const s = cString(b).trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

/** Size field: octal, or base-256 when the high bit of the first byte is set (GNU, files ≥ 8 GiB). */
function parseSize(b: Uint8Array): number {
  if ((b[0]! & 0x80) !== 0) {
    let v = b[0]! & 0x7f;
    for (let i = 1; i < b.length; i++) v = v * 256 + b[i]!;
    return v;
  }
  const v = parseOctal(b);
  return Number.isFinite(v) ? v : 0;
}

/** A value of a pax extended header (`"<len> key=value\n"` records). */
function paxRecord(data: Uint8Array, key: string): string | undefined {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  let found: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^\d+ ([^=]+)=(.*)$/.exec(line);
    if (m && m[1] === key) found = m[2];
  }
  return found;
}
