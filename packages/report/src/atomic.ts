import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PruneError } from '@prunekit/core';

let counter = 0;

/**
 * Write a text file atomically: a temp file in the same directory, fsync, rename over the target.
 * A reader (or a crash) sees the old file or the new one, never half of one. The parent directory
 * is created if needed. On failure the temp file is removed and an `E_IO` error names the path.
 *
 * The same pattern as `writeFileAtomic` in `@prunekit/tensor`, kept here so that reports do not
 * pull in TensorFlow.js.
 *
 * @example
 * ```ts
 * writeTextAtomic('out/report.csv', 'group,round\n');
 * ```
 */
export function writeTextAtomic(path: string, text: string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${counter++}`);
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, 'w', 0o644);
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {}
    }
    try {
      rmSync(tmp, { force: true });
    } catch {}
    const code = (e as NodeJS.ErrnoException).code;
    throw new PruneError('E_IO', `could not write ${path}${code ? ` (${code})` : ''}`, {
      cause: e,
      hint: code === 'ENOSPC' ? 'the disk is full: free some space' : 'check that the directory is writable',
      where: path,
    });
  }
}
