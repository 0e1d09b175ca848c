import type { EventSink, PrunekitEvent } from '@prunekit/core';
import {
  type EngineRequest,
  currentBackend,
  initBackend,
  parseEngine,
  sparseDensityThreshold,
} from '@prunekit/tensor';
import { type ProgressMode, createProgress } from './progress.js';

/** Where the CLI writes: stdout for results (and JSONL with `--json`), stderr for progress and messages. */
export interface Io {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What a command gets: output helpers, the progress sink and the backend. */
export interface Context {
  readonly command: string;
  readonly mode: ProgressMode;
  readonly debug: boolean;
  readonly io: Io;
  /** Progress events of runs (bars on a TTY, lines otherwise, JSONL with `--json`). */
  readonly events: EventSink;
  /** Print the command's result: `text` normally, `{ type: 'result', command, ...data }` with `--json`. */
  result(text: string, data: Record<string, unknown>): void;
  /** A progress/info message (stderr; a `log` event with `--json`; nothing with `--quiet`). */
  info(text: string): void;
  /** A block of text for people (tables): stderr, but nothing with `--json` or `--quiet`. */
  detail(text: string): void;
  /** A warning (stderr; a `log` event with `--json`; nothing with `--quiet`). */
  warn(text: string): void;
  /** Start the TensorFlow.js backend once (the request from `--backend`, else auto / `$PRUNEKIT_BACKEND`). */
  backend(request?: string): Promise<string>;
  /** Finish progress output (clear a live bar). */
  close(): void;
}

/**
 * Build the context of one command. `--json` wins over `--quiet`; without either, a TTY on stderr
 * gets live bars and anything else (CI, files) line logs.
 */
export function createContext(
  command: string,
  io: Io,
  flags: { json: boolean; quiet: boolean; debug: boolean },
): Context {
  const mode: ProgressMode = flags.json
    ? 'json'
    : flags.quiet
      ? 'quiet'
      : io.stderr.isTTY && !io.env.CI
        ? 'tty'
        : 'lines';
  const progress = createProgress(mode, { stdout: io.stdout, stderr: io.stderr, columnsEnv: io.env.COLUMNS });
  const emit = (e: PrunekitEvent) => progress.sink(e);
  return {
    command,
    mode,
    debug: flags.debug,
    io,
    events: emit,
    result(text, data) {
      progress.clear();
      if (mode === 'json') io.stdout.write(`${JSON.stringify({ type: 'result', command, ...data })}\n`);
      else if (text) io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    info(text) {
      emit({ type: 'log', level: 'info', message: text });
    },
    detail(text) {
      if (mode === 'tty' || mode === 'lines') {
        progress.clear();
        io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
      }
    },
    warn(text) {
      emit({ type: 'log', level: 'warn', message: text });
    },
    async backend(request) {
      // A bad PRUNEKIT_SPARSE_DENSITY fails here, before anything is written, not at a phase start.
      sparseDensityThreshold(io.env);
      const existing = currentBackend();
      if (existing) return existing.engine;
      const engine: EngineRequest | undefined = request ? parseEngine(request, '--backend') : undefined;
      const choice = await initBackend({
        ...(engine ? { engine } : {}),
        log: (line) =>
          io.env.PRUNEKIT_QUIET_BACKEND ? undefined : emit({ type: 'log', level: 'info', message: line }),
      });
      return choice.engine;
    },
    close() {
      progress.clear();
    },
  };
}
