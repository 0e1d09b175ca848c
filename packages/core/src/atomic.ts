import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { PruneError } from './errors.js';

/**
 * Write a file atomically: a temp file in the same directory, fsync, rename over the target,
 * fsync the directory (its parent directories are created first). A crash leaves either the old file or the new one, never half of one.
 * On failure (disk full, read-only directory) the temp file is removed, the old file is intact,
 * and an `E_IO` error names the path.
 *
 * @example
 * ```ts
 * writeFileAtomic('runs/abc/metrics.json', JSON.stringify(m));
 * ```
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Math.floor(Math.random() * 1e9)}`);
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, 'w', 0o644);
    const parts =
      typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
    for (const part of parts) {
      let off = 0;
      while (off < part.byteLength) off += writeSync(fd, part, off, part.byteLength - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
    syncDir(dir);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {}
    }
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The temp file could not even be created; nothing to clean up.
    }
    throw ioError(path, e);
  }
}

/**
 * The `E_IO` error of a failed write: names the file and the cause in words, says that files
 * written before are intact, and what to do (free space / fix permissions, then run again: runs
 * continue from their last checkpoint).
 */
function ioError(path: string, e: unknown): PruneError {
  const code = (e as NodeJS.ErrnoException).code;
  const again = 'then run the same command again (a run continues from its last checkpoint)';
  const [what, fix] =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? [`: the disk is full (${code})`, `free some disk space (or choose another --out directory), ${again}`]
      : code === 'EACCES' || code === 'EROFS' || code === 'EPERM'
        ? [
            `: its directory is not writable (${code})`,
            `fix the directory's permissions (or choose another --out directory), ${again}`,
          ]
        : [
            ` (${e instanceof Error ? e.message : String(e)})`,
            `check that the directory exists and is writable, ${again}`,
          ];
  return new PruneError('E_IO', `could not write ${path}${what}; files written before are intact`, {
    cause: e,
    hint: fix,
    where: path,
  });
}

/** fsync a directory so a rename inside it is durable (ignored where unsupported). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems do not allow fsync on directories; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Canonical JSON: object keys sorted (recursively), `undefined` fields dropped, so equal values
 * give equal text — for hashing recipes into run ids and grouping runs.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2] }); // '{"a":[2],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
