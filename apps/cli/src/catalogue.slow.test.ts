/**
 * The bad-input catalogue of issue #6 with real `prunekit` processes: two processes on one run
 * directory (the lock), and the binary's exit codes for bad input (2) and a failed run (1).
 * The in-process table of every item: catalogue.test.ts.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '@prunekit/experiment';
import { describe, expect, it } from 'vitest';
import { ONE_ROUND } from '../../../packages/experiment/src/testing/bad-inputs.js';
import { tempDir } from '../../../packages/experiment/src/testing/fixtures.js';
import { prunekit } from './testing/cli-process.js';

describe('catalogue (real processes)', () => {
  it('a second process on the same run directory fails with E_LOCK (exit 1); the first finishes', async () => {
    const tmp = tempDir('pk-clicat-slow-');
    const file = join(tmp, 'recipe.json');
    // Long enough (20 epochs) that both processes are up while the first holds the lock.
    writeFileSync(
      file,
      JSON.stringify({ ...ONE_ROUND, training: { ...ONE_ROUND.training, epochs: '20ep' } }),
    );
    const out = join(tmp, 'runs');
    const [a, b] = await Promise.all([
      prunekit(['run', file, '--out', out, '--quiet']),
      prunekit(['run', file, '--out', out, '--quiet']),
    ]);
    const results = [a, b].sort((x, y) => (x.status ?? 9) - (y.status ?? 9));
    expect(results.map((r) => r.status)).toEqual([0, 1]);
    expect(results[1]!.stderr).toMatch(
      /^prunekit run: run directory .* is in use by process \d+@\S+\. wait for it to finish, or stop it; if no such process runs, delete .*run\.lock\. \[E_LOCK\]\n$/,
    );
    const dir = join(out, readdirSync(out)[0]!);
    expect(existsSync(join(dir, RUN_FILES.done))).toBe(true);
    expect(existsSync(join(dir, RUN_FILES.lock))).toBe(false);
  }, 120_000);

  it('the binary exits 2 for a bad recipe and 1 for a NaN loss, one paragraph on stderr', async () => {
    const tmp = tempDir('pk-clicat-slow-');
    const file = join(tmp, 'recipe.json');
    writeFileSync(file, JSON.stringify(ONE_ROUND));
    const [bad, nan] = await Promise.all([
      prunekit(['run', file, '--out', join(tmp, 'a'), '--set', 'name=../../escape']),
      prunekit([
        'run',
        file,
        '--out',
        join(tmp, 'b'),
        '--quiet',
        '--set',
        'training.schedule={kind: constant, lr: 1000000}',
        '--set',
        'training.epochs=4ep',
      ]),
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^prunekit run: .*name: use 1–64 letters.*\[E_RECIPE\]\n$/);
    expect(existsSync(join(tmp, 'a'))).toBe(false);
    expect(existsSync(join(tmp, 'escape'))).toBe(false);
    expect(nan.status).toBe(1);
    expect(nan.stderr).toMatch(
      /^prunekit run: training loss became .* in round 0, epoch \d+, step \d+ .*\[E_NAN\]\n$/,
    );
  }, 120_000);
});
