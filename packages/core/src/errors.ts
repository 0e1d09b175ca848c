/**
 * Every error prunekit throws on purpose. `code` is stable and machine-readable, `message` is one
 * readable paragraph (what, where, how to fix), `cause` keeps the underlying error.
 *
 * @example
 * ```ts
 * throw new PruneError('E_RECIPE', "recipe field 'rounds' must be ≥ 0, got -1", { hint: 'set rounds: 5' });
 * ```
 */
export class PruneError extends Error {
  /** Stable error code, e.g. `E_UNKNOWN_NAME`. */
  readonly code: PruneErrorCode;
  /** What to do about it, appended to the message. */
  readonly hint: string | undefined;
  /** The file or field the error is about, when there is one. */
  readonly where: string | undefined;

  constructor(
    code: PruneErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string; where?: string } = {},
  ) {
    const full = options.hint ? `${message}. ${options.hint}` : message;
    super(full, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PruneError';
    this.code = code;
    this.hint = options.hint;
    this.where = options.where;
  }
}

/** The error codes and whether they mean bad input (exit 2) or a failed run (exit 1). */
export const ERROR_CODES = {
  /** Bad command-line usage. */
  E_USAGE: 2,
  /** A recipe or option failed validation. */
  E_RECIPE: 2,
  /** A plugin, model, dataset or preset name is not registered. */
  E_UNKNOWN_NAME: 2,
  /** A data file is missing, truncated or malformed. */
  E_DATA: 2,
  /** A checkpoint or safetensors file is malformed or does not match the model. */
  E_CHECKPOINT: 2,
  /** A mask is malformed or does not match the model. */
  E_MASK: 2,
  /** Tensor shapes or names do not agree. */
  E_SHAPE: 2,
  /** A run or round referenced by another run does not exist. */
  E_REFERENCE: 2,
  /** Another process holds the run directory. */
  E_LOCK: 1,
  /** Loss became NaN or infinite. */
  E_NAN: 1,
  /** Reading or writing a file failed (disk full, permissions). */
  E_IO: 1,
  /** No usable TensorFlow.js backend. */
  E_BACKEND: 1,
  /** A download failed or its checksum did not match. */
  E_DOWNLOAD: 1,
  /** A bug or an unexpected state inside prunekit. */
  E_INTERNAL: 1,
} as const;

/** One of {@link ERROR_CODES}. */
export type PruneErrorCode = keyof typeof ERROR_CODES;

/**
 * The process exit code for an error: 2 for bad usage or input, 1 for a failed run.
 *
 * @example
 * ```ts
 * exitCodeOf(new PruneError('E_RECIPE', 'bad')); // 2
 * exitCodeOf(new Error('boom'));                 // 1
 * ```
 */
export function exitCodeOf(error: unknown): 1 | 2 {
  if (error instanceof PruneError) return ERROR_CODES[error.code] as 1 | 2;
  return 1;
}

/**
 * True when `error` is a {@link PruneError}, optionally with the given code.
 *
 * @example
 * ```ts
 * if (isPruneError(e, 'E_LOCK')) console.error('run directory is busy');
 * ```
 */
export function isPruneError(error: unknown, code?: PruneErrorCode): error is PruneError {
  return error instanceof PruneError && (code === undefined || error.code === code);
}
