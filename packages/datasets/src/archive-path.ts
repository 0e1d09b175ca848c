import { PruneError } from '@prunekit/core';

/**
 * Normalize a path stored in an archive and refuse unsafe ones (absolute, drive letters, `..`):
 * an archive must never write outside the folder it is extracted into. Returns `''` for `./`.
 *
 * @example
 * ```ts
 * safeArchivePath('./cifar-10-batches-bin/test_batch.bin', 'a.tar'); // 'cifar-10-batches-bin/test_batch.bin'
 * safeArchivePath('../etc/passwd', 'a.tar');                          // throws E_DOWNLOAD
 * ```
 */
export function safeArchivePath(raw: string, archive: string): string {
  const p = raw.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.includes('\0')) {
    throw new PruneError('E_DOWNLOAD', `${archive}: refusing to extract absolute path '${raw}'`, {
      where: archive,
    });
  }
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) {
    throw new PruneError(
      'E_DOWNLOAD',
      `${archive}: refusing to extract path '${raw}' that leaves the target folder`,
      { where: archive },
    );
  }
  return parts.join('/');
}
