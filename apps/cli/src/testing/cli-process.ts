/**
 * Test helpers: run the CLI as a real process (`node --import tsx apps/cli/src/bin.ts …`, workspace
 * packages resolved to their sources), or in-process through `main` with captured output.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '../main.js';

/** The repository root. */
export const ROOT = resolve(__dirname, '../../../..');
const BIN = join(ROOT, 'apps/cli/src/bin.ts');
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;
/** The fault-injection preload (see `faults.ts`), for {@link prunekit}'s `faults` option. */
export const FAULTS_PRELOAD = pathToFileURL(join(ROOT, 'apps/cli/src/testing/faults.ts')).href;

/** What a CLI call produced. */
export interface CliResult {
  readonly status: number | null;
  /** The signal that ended the process (e.g. `SIGKILL`), or null if it exited. */
  readonly signal?: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link prunekit}. */
export interface CliProcessOptions {
  /** Working directory (default: the repository root). */
  readonly cwd?: string;
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
  /** SIGKILL the child after this many ms (default 120 000). */
  readonly timeout?: number;
  /** Extra arguments for `node` before the script (e.g. more `--import` preloads). */
  readonly nodeArgs?: readonly string[];
  /**
   * Inject a fault (a `$PRUNEKIT_FAULT` spec, see `faults.ts`): loads the fault preload and sets
   * `PRUNEKIT_FAULT`; `faultDir` (default: `cwd`) is where file operations are counted, and `trace`
   * a file that receives the ordered trace of those operations at exit.
   */
  readonly faults?: { readonly spec: string; readonly dir?: string; readonly trace?: string };
}

/**
 * Spawn `prunekit <args>` as a child process (wasm backend, backend line silenced) and wait for
 * it (asynchronously, so the test worker stays responsive).
 *
 * @example
 * ```ts
 * const r = await prunekit(['list', '--json'], { cwd: tmp });
 * const k = await prunekit(['run', 'r.json', '--json'], { cwd: tmp, faults: { spec: 'kill:event:step:3' } });
 * k.signal; // 'SIGKILL'
 * ```
 */
export function prunekit(args: readonly string[], o: CliProcessOptions = {}): Promise<CliResult> {
  const faultArgs = o.faults ? ['--import', FAULTS_PRELOAD] : [];
  const faultEnv: Record<string, string> = o.faults
    ? {
        PRUNEKIT_FAULT: o.faults.spec,
        PRUNEKIT_FAULT_DIR: o.faults.dir ?? o.cwd ?? ROOT,
        ...(o.faults.trace ? { PRUNEKIT_FAULT_TRACE: o.faults.trace } : {}),
      }
    : {};
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', TSX, ...faultArgs, ...(o.nodeArgs ?? []), BIN, ...args],
      {
        cwd: o.cwd ?? ROOT,
        env: {
          ...process.env,
          TSX_TSCONFIG_PATH: join(ROOT, 'tools/tsconfig/dev.json'),
          PRUNEKIT_QUIET_BACKEND: '1',
          PRUNEKIT_BACKEND: 'wasm',
          ...faultEnv,
          ...o.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeout ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status, signal, stdout, stderr });
    });
  });
}

/**
 * Run the CLI in this process through `main`, capturing stdout and stderr (no TTY).
 *
 * @example
 * ```ts
 * const r = await inProcess(['describe', 'recipe']);
 * ```
 */
export async function inProcess(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const status = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    env: { PRUNEKIT_QUIET_BACKEND: '1', ...env },
  });
  return { status, stdout, stderr };
}

/** Parse JSONL output; throws naming the line that is not JSON. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`line ${i + 1} is not JSON: ${l.slice(0, 200)}`);
      }
    });
}
