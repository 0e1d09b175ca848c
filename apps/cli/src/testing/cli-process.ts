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

/** What a CLI call produced. */
export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Spawn `prunekit <args>` as a child process (wasm backend, backend line silenced) and wait for
 * it (asynchronously, so the test worker stays responsive).
 *
 * @example
 * ```ts
 * const r = await prunekit(['list', '--json'], { cwd: tmp });
 * ```
 */
export function prunekit(
  args: readonly string[],
  o: { cwd?: string; env?: Record<string, string>; timeout?: number } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, BIN, ...args], {
      cwd: o.cwd ?? ROOT,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: join(ROOT, 'tools/tsconfig/dev.json'),
        PRUNEKIT_QUIET_BACKEND: '1',
        PRUNEKIT_BACKEND: 'wasm',
        ...o.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeout ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stdout, stderr });
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
