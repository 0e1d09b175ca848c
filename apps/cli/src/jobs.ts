/**
 * `--jobs N`: independent runs in parallel worker processes. The parent spawns the same CLI (same
 * Node, same flags, same entry script) once per worker with a hidden `--worker <list>` option; a
 * worker runs its list in-process with `--json` and streams its progress events, `job` lines
 * (a unit of work starts or ends) and its result on stdout. The parent shows one combined progress
 * display and combines the results.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism, constants } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, PruneError, type PruneErrorCode, type PrunekitEvent } from '@prunekit/core';
import { type OptionSpec, type Parsed, str } from './args.js';
import type { Context } from './context.js';
import { createJobsProgress } from './progress.js';

/** The `--jobs` option of `sweep` and `demo`. */
export const JOBS_OPTION: OptionSpec = {
  type: 'string',
  value: 'n',
  description:
    'worker processes running independent runs in parallel (default auto: one per core, at most one per pending run; 1: all in this process)',
};

/** The hidden `--worker <list>` option: this process is a worker of a `--jobs` parent. */
export const WORKER_OPTION: OptionSpec = {
  type: 'string',
  value: 'list',
  hidden: true,
  description: 'internal: run the listed work as a worker of a --jobs parent (JSON lines on stdout)',
};

/**
 * The `--jobs` value: a whole number ≥ 1, or `'auto'` (also when the option is absent).
 *
 * @example
 * ```ts
 * parseJobs(parseCommand(sweepCommand, ['s.yaml', '--jobs', '2'])); // 2
 * ```
 */
export function parseJobs(p: Parsed): number | 'auto' {
  const s = str(p, 'jobs');
  if (s === undefined || s.trim() === 'auto') return 'auto';
  const n = Number(s);
  if (!/^\s*\d+\s*$/.test(s) || !Number.isSafeInteger(n) || n < 1 || n > 256) {
    throw new PruneError('E_USAGE', `--jobs expects a whole number from 1 to 256 or 'auto', got '${s}'`);
  }
  return n;
}

/**
 * How many workers to start for `units` independent pieces of work: `auto` is one per core
 * (`os.availableParallelism()`), never more than `units`; 1 (or less) means run in this process.
 * `auto` also means 1 when this process cannot start copies of itself (see {@link workerCommand}).
 *
 * @example
 * ```ts
 * jobCount('auto', 4, 2); // 2
 * jobCount(8, 3);         // 3
 * ```
 */
export function jobCount(request: number | 'auto', units: number, cores = availableParallelism()): number {
  if (request === 'auto') return workerCommand() ? Math.max(1, Math.min(cores, units)) : 1;
  return Math.max(1, Math.min(request, units));
}

/**
 * The command line that starts another copy of this CLI: `process.execPath` with this process's
 * Node flags (`process.execArgv`, e.g. tsx's `--import`) and the CLI's entry script — the bundled
 * `dist/bin.js` (this module is bundled into it), or `src/bin.ts` next to this file when running
 * from the TypeScript sources under tsx. `undefined` when running from sources without tsx (e.g.
 * inside a test runner), where a child could not load the entry script.
 *
 * @example
 * ```ts
 * const cmd = workerCommand();
 * if (cmd) spawn(cmd.command, [...cmd.args, 'list', '--json']);
 * ```
 */
export function workerCommand(): { command: string; args: string[] } | undefined {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const bin = basename(here).startsWith('bin.') ? here : join(dirname(here), `bin${ext}`);
  if (ext === '.ts' && !process.execArgv.some((a) => a.includes('tsx'))) return undefined;
  return { command: process.execPath, args: [...process.execArgv, bin] };
}

/**
 * Deal `items` round-robin to `n` lists (sizes differ by at most one; order kept within a list).
 *
 * @example
 * ```ts
 * deal([0, 1, 2, 3, 4], 2); // [[0, 2, 4], [1, 3]]
 * ```
 */
export function deal<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  for (const [i, item] of items.entries()) out[i % n]!.push(item);
  return out;
}

/** What a worker says about a unit of work (`{"type":"job",…}` lines on its stdout). */
export type JobStatus = 'start' | 'done' | 'skipped' | 'failed' | 'locked';

/**
 * In a worker: announce that a unit of work starts or ended (one JSON line on stdout, read by
 * the parent's progress display and error messages).
 *
 * @example
 * ```ts
 * jobLine(ctx, 'start', 'point 3/8: mlp.gaussian-mixture.lr-rewind-1a2b3c4d');
 * ```
 */
export function jobLine(ctx: Context, status: JobStatus, label: string): void {
  ctx.io.stdout.write(`${JSON.stringify({ type: 'job', status, label })}\n`);
}

/**
 * In a worker: exit when the parent goes away (its end of our stdin closes), so a parent killed
 * with SIGKILL leaves no worker running for long (checked whenever the worker's event loop runs).
 *
 * @example
 * ```ts
 * if (str(parsed, 'worker') !== undefined) watchParent();
 * ```
 */
export function watchParent(): void {
  const bye = () => process.exit(1);
  process.stdin.once('end', bye);
  process.stdin.once('error', bye);
  process.stdin.resume();
}

/** One worker to start: its CLI arguments (after the entry script) and its number of work units. */
export interface WorkerTask {
  readonly args: readonly string[];
  readonly units: number;
}

/** How a worker ended. */
export interface WorkerOutcome {
  /** 0-based worker number (shown 1-based). */
  readonly worker: number;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Its `{"type":"result",…}` line, if it got that far. */
  readonly result?: Record<string, unknown>;
  /** Its `{"type":"error",…}` line, if it stopped on an error. */
  readonly error?: { readonly code: string; readonly message: string; readonly exitCode?: number };
  /** The unit it was working on when it stopped (or, stopped on an error, the unit that failed last). */
  readonly current?: string;
  /** Units it reported as failed. */
  readonly failed: readonly string[];
  /** Stopped by the parent because another worker failed. */
  readonly stopped: boolean;
  /** The end of its stderr. */
  readonly stderr: string;
}

/**
 * Start one worker process per task, show their combined progress (see `createJobsProgress`), and
 * wait for all of them. With `stopOnFailure`, the first worker that stops on an error (or dies)
 * gets the others terminated. SIGINT, SIGTERM and SIGHUP of this process terminate the workers
 * (no orphans), then this process dies of the same signal; finished runs stay and the same command
 * continues the rest.
 *
 * @example
 * ```ts
 * const outcomes = await runWorkers(ctx, [{ args: ['sweep', 's.yaml', '--worker', '0,2'], units: 2 }], { stopOnFailure: false });
 * const err = workerFailure(outcomes); if (err) throw err;
 * ```
 */
export async function runWorkers(
  ctx: Context,
  tasks: readonly WorkerTask[],
  o: { readonly stopOnFailure: boolean },
): Promise<WorkerOutcome[]> {
  const cmd = workerCommand();
  if (!cmd) {
    throw new PruneError(
      'E_USAGE',
      'cannot start worker processes from here (TypeScript sources without tsx)',
      {
        hint: 'use --jobs 1, or run the built CLI',
      },
    );
  }
  const progress = createJobsProgress(
    ctx.mode,
    { stdout: ctx.io.stdout, stderr: ctx.io.stderr, columnsEnv: ctx.io.env.COLUMNS },
    { workers: tasks.length, units: tasks.reduce((a, t) => a + t.units, 0) },
  );
  const children: ChildProcess[] = [];
  const live = new Set<ChildProcess>();
  const stopped = new Set<number>();
  const stopAll = (except?: number) => {
    for (const [i, c] of children.entries()) {
      if (i !== except && live.has(c)) {
        stopped.add(i);
        c.kill('SIGTERM');
      }
    }
  };
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted ??= sig;
    stopAll();
  };
  const onExit = () => stopAll();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  process.on('exit', onExit);

  try {
    const outcomes = await Promise.all(
      tasks.map(
        (task, w) =>
          new Promise<WorkerOutcome>((resolveOutcome) => {
            const child = spawn(cmd.command, [...cmd.args, ...task.args], {
              // Each worker gets its share of the CPUs for wasm threads (unless the user set it).
              env: {
                ...ctx.io.env,
                PRUNEKIT_WASM_THREADS:
                  ctx.io.env.PRUNEKIT_WASM_THREADS ??
                  String(Math.max(1, Math.floor(availableParallelism() / tasks.length))),
              } as NodeJS.ProcessEnv,
              stdio: ['pipe', 'pipe', 'pipe'],
            });
            children.push(child);
            live.add(child);
            let result: Record<string, unknown> | undefined;
            let error: WorkerOutcome['error'];
            let current: string | undefined;
            const failed: string[] = [];
            let stderr = '';
            child.stdin?.on('error', () => {});
            child.stderr?.setEncoding('utf8').on('data', (d: string) => {
              stderr = (stderr + d).slice(-4000);
            });
            const lines = createInterface({ input: child.stdout! });
            lines.on('line', (line) => {
              let msg: Record<string, unknown>;
              try {
                msg = JSON.parse(line) as Record<string, unknown>;
              } catch {
                if (line.trim()) progress.event(w, { type: 'log', level: 'info', message: line });
                return;
              }
              if (msg.type === 'job') {
                const label = String(msg.label);
                if (msg.status === 'start') {
                  current = label;
                  progress.start(w, label);
                } else {
                  if (msg.status === 'failed') failed.push(label);
                  current = undefined;
                  progress.end(w);
                }
              } else if (msg.type === 'result') result = msg;
              else if (msg.type === 'error') error = msg as unknown as WorkerOutcome['error'];
              else progress.event(w, msg as unknown as PrunekitEvent);
            });
            const closed = new Promise<void>((done) => lines.once('close', done));
            child.once('error', (e) => {
              stderr += `\n${e.message}`;
            });
            child.once('close', (exitCode, signal) => {
              live.delete(child);
              void closed.then(() => {
                // With --fail-fast the unit that failed was ended just before the worker stopped.
                const last = current ?? (error ? failed.at(-1) : undefined);
                const crashed = exitCode !== 0 && (error !== undefined || result === undefined);
                if (crashed && o.stopOnFailure && !stopped.has(w) && !interrupted) stopAll(w);
                resolveOutcome({
                  worker: w,
                  exitCode,
                  signal,
                  ...(result ? { result } : {}),
                  ...(error ? { error } : {}),
                  ...(last ? { current: last } : {}),
                  failed,
                  stopped: stopped.has(w),
                  stderr,
                });
              });
            });
          }),
      ),
    );
    progress.clear();
    if (interrupted) {
      ctx.io.stderr.write(
        `prunekit ${ctx.command}: interrupted (${interrupted}); the workers are stopped. Finished runs are kept: run the same command again to continue (unfinished runs resume from their last checkpoint).\n`,
      );
      for (const s of signals) process.off(s, onSignal);
      process.kill(process.pid, interrupted);
      process.exit(128 + (constants.signals[interrupted] ?? 1));
    }
    return outcomes;
  } finally {
    progress.clear();
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', onExit);
  }
}

/**
 * The error to stop with when a worker stopped on an error or died: the first such worker (not
 * counting workers stopped because of it), naming it and the unit it was running. Its code is
 * the worker's, so the exit code is the worker's too (a worker killed by a signal or dying without
 * an error line gives `E_INTERNAL`, exit 1). `undefined` when every worker finished (possibly with
 * failed units, which its result reports).
 *
 * @example
 * ```ts
 * const err = workerFailure(await runWorkers(ctx, tasks, { stopOnFailure: true }));
 * if (err) throw err;
 * ```
 */
export function workerFailure(outcomes: readonly WorkerOutcome[]): PruneError | undefined {
  for (const w of outcomes) {
    if (w.stopped || (w.exitCode === 0 && !w.error)) continue;
    const who = `worker ${w.worker + 1}${w.current ? ` (${w.current})` : ''}`;
    if (w.error) {
      const code: PruneErrorCode =
        w.error.code in ERROR_CODES ? (w.error.code as PruneErrorCode) : 'E_INTERNAL';
      return new PruneError(code, `${who}: ${w.error.message}`);
    }
    if (w.result) continue;
    const how = w.signal ? `was killed by ${w.signal}` : `exited with code ${w.exitCode}`;
    const tail = w.stderr.trim().split('\n').slice(-3).join(' ').trim();
    return new PruneError('E_INTERNAL', `${who} ${how}${tail ? `: ${tail}` : ''}`, {
      hint: 'finished runs are kept; run the same command again to continue',
    });
  }
  return undefined;
}
