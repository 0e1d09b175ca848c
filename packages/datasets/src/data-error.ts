import { PruneError } from '@prunekit/core';

/**
 * An `E_DATA` error about one file: names the file, what was found and what was expected.
 *
 * @example
 * ```ts
 * throw dataError('/data/train-images-idx3-ubyte', 'magic number is 0x00000801, expected 0x00000803 (IDX images)');
 * ```
 */
export function dataError(
  file: string,
  problem: string,
  options: { hint?: string; cause?: unknown } = {},
): PruneError {
  return new PruneError('E_DATA', `${file}: ${problem}`, {
    where: file,
    ...(options.hint === undefined ? {} : { hint: options.hint }),
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}
