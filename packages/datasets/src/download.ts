import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PruneError } from '@prunekit/core';

/** The part of `fetch` downloads use (the global `fetch` fits; tests and proxies can pass their own). */
export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** Expected lower-case hex SHA-256; the file is kept only if it matches. */
  readonly sha256?: string;
  /** Expected size in bytes. */
  readonly bytes?: number;
  /** `fetch` implementation (default: the global one). */
  readonly fetch?: FetchLike;
  /** Called as bytes arrive. */
  readonly onProgress?: (received: number, total: number | undefined) => void;
  readonly signal?: AbortSignal;
}

/** What {@link downloadFile} wrote. */
export interface Downloaded {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Download `url` to `dest` safely: stream into a hidden temp file next to it (`.<name>.part-<pid>`)
 * while hashing, check the byte count (against `Content-Length` and `bytes`) and the SHA-256, fsync,
 * then rename onto `dest`. Any failure — unreachable host, HTTP error, connection dropped
 * mid-body, wrong size or checksum — removes the temp file, leaves `dest` untouched and throws
 * `E_DOWNLOAD` naming the URL. An interrupted process can leave only a `.part-*` file, never a
 * file under the final name.
 *
 * @example
 * ```ts
 * await downloadFile('https://example.org/a.bin', '/data/a.bin', { sha256: 'ab12…' });
 * ```
 */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<Downloaded> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest)}.part-${process.pid}`);
  const doFetch: FetchLike = options.fetch ?? ((u, init) => fetch(u, init));
  const fail = (what: string, cause?: unknown, hint?: string) =>
    new PruneError('E_DOWNLOAD', `download of ${url} failed: ${what}`, {
      where: url,
      ...(cause === undefined ? {} : { cause }),
      hint: hint ?? 'check the network connection and retry; nothing was written under the final name',
    });

  let response: Response;
  try {
    response = await doFetch(url, options.signal ? { signal: options.signal } : {});
  } catch (e) {
    throw fail(`could not connect (${describe(e)})`, e);
  }
  if (!response.ok || !response.body) {
    throw fail(
      `HTTP ${response.status} ${response.statusText}`.trim(),
      undefined,
      'the URL may have moved: pass baseUrl to use a mirror',
    );
  }
  const lengthHeader = response.headers.get('content-length');
  const total = lengthHeader === null ? options.bytes : Number(lengthHeader);
  const hash = createHash('sha256');
  let received = 0;
  const file = await open(tmp, 'w');
  let ok = false;
  try {
    const reader = response.body.getReader();
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (e) {
        throw fail(`the transfer was interrupted after ${received} bytes (${describe(e)})`, e);
      }
      if (chunk.done) break;
      hash.update(chunk.value);
      received += chunk.value.byteLength;
      let off = 0;
      while (off < chunk.value.byteLength) {
        const { bytesWritten } = await file.write(chunk.value, off, chunk.value.byteLength - off);
        off += bytesWritten;
      }
      options.onProgress?.(received, total);
    }
    if (lengthHeader !== null && received !== Number(lengthHeader)) {
      throw fail(`the transfer ended after ${received} of ${lengthHeader} bytes`);
    }
    if (options.bytes !== undefined && received !== options.bytes) {
      throw fail(
        `received ${received} bytes, expected ${options.bytes}`,
        undefined,
        'the file on the server differs from the known release',
      );
    }
    const digest = hash.digest('hex');
    if (options.sha256 !== undefined && digest !== options.sha256.toLowerCase()) {
      throw fail(
        `checksum mismatch: SHA-256 ${digest}, expected ${options.sha256}`,
        undefined,
        'the download is corrupt or the server holds a different file; it was not kept',
      );
    }
    await file.sync();
    await file.close();
    await rename(tmp, dest);
    ok = true;
    return { path: dest, bytes: received, sha256: digest };
  } finally {
    if (!ok) {
      await file.close().catch(() => {});
      await rm(tmp, { force: true });
    }
  }
}

/**
 * SHA-256 of a file on disk (streamed), lower-case hex.
 *
 * @example
 * ```ts
 * await sha256File('/data/cifar-10-binary.tar.gz'); // 'c4a38c50…'
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? `${e.message}: ${cause.message}` : e.message;
}
