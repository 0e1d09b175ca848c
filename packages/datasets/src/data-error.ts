import { PruneError } from '@prunekit/core';

const DEFAULT_HINT =
  'the file is damaged or not in the expected format: fetch the dataset again (`prunekit data fetch <name> --dir <dir>`, or fetchDataset) or replace the file; `prunekit data check <dir>` checks every file';

/**
 * An `E_DATA` error about one file: names the file, what was found and what was expected (and,
 * unless `hint` says otherwise, how to get a good copy).
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
    hint: options.hint ?? DEFAULT_HINT,
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}
