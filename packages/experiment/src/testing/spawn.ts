/** Test helper: run `child-run.ts` in a real Node process without blocking the test's event loop. */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../../..');
const child = join(__dirname, 'child-run.ts');

/** What a child process did. */
export interface ChildResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `child-run.ts <args>` with tsx; resolves with its exit status or signal and its output. */
export function runChild(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<ChildResult> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
      cwd: root,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: join(root, 'tools/tsconfig/dev.json'),
        PRUNEKIT_QUIET_BACKEND: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => p.kill('SIGTERM'), timeoutMs);
    p.on('error', fail);
    p.on('close', (status, signal) => {
      clearTimeout(timer);
      done({ status, signal, stdout, stderr: stderr.slice(-4000) });
    });
  });
}
