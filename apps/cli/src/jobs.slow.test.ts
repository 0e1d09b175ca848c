/**
 * `--jobs`: a sweep in two worker processes gives the same run directories as in one process,
 * and a failing worker makes the parent fail with its exit code, naming the run.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../../packages/experiment/src/testing/fixtures.js';
import { jsonLines, prunekit } from './testing/cli-process.js';

const TINY = `base:
  model: { name: mlp, options: { inputShape: [8], hidden: [16], classes: 3 } }
  dataset: { name: gaussian-mixture, options: { dims: 8, trainSize: 128, testSize: 40 } }
  training: { epochs: 1ep, warmup: 1ep, batchSize: 32 }
  pruning: { rounds: 1, fraction: 0.5 }
`;

const SWEEP = `name: tiny
${TINY}grid:
  rewind.policy.name: [lr-rewind, weight-rewind]
seeds: 2
`;

// Point 0 diverges (constant LR 200 for 4 epochs: E_NAN in epoch 3), point 1 trains.
const FAILING = `base:
  model: { name: mlp, options: { inputShape: [8], hidden: [16], classes: 3 } }
  dataset: { name: gaussian-mixture, options: { dims: 8, trainSize: 128, testSize: 40 } }
  training: { epochs: 4ep, warmup: 0it, batchSize: 32, schedule: { kind: constant, lr: 0.1 } }
  pruning: { rounds: 1 }
grid:
  training.schedule.lr: [200, 0.1]
`;

function runs(dir: string): Record<string, Record<string, string>> {
  return Object.fromEntries(readdirSync(dir).map((d) => [d, fingerprint(join(dir, d))]));
}

describe('prunekit sweep --jobs (spawned)', () => {
  it('two workers give bit-identical runs to one process; progress events carry the worker', async () => {
    const work = mkdtempSync(join(tmpdir(), 'pk-cli-jobs-'));
    writeFileSync(join(work, 'sweep.yaml'), SWEEP);
    const [one, two] = await Promise.all([
      prunekit(['sweep', 'sweep.yaml', '--out', 'one', '--jobs', '1', '--quiet'], { cwd: work }),
      prunekit(['sweep', 'sweep.yaml', '--out', 'two', '--jobs', '2', '--json'], { cwd: work }),
    ]);
    expect(one.status, one.stderr).toBe(0);
    expect(two.status, two.stderr).toBe(0);
    const lines = jsonLines(two.stdout);
    const result = lines.find((l) => l.type === 'result') as {
      points: { index: number; status: string; dir: string }[];
    };
    expect(result.points.map((p) => [p.index, p.status])).toEqual([
      [0, 'done'],
      [1, 'done'],
      [2, 'done'],
      [3, 'done'],
    ]);
    expect(result.points[0]!.dir).toContain(join(work, 'two', 'mlp.gaussian-mixture.'));
    // Points 0 and 2 in worker 1, 1 and 3 in worker 2.
    const ends = lines.filter((l) => l.type === 'run-end').map((l) => [l.worker, l.runId]);
    expect(ends).toHaveLength(4);
    expect(new Set(ends.map(([w]) => w))).toEqual(new Set([1, 2]));

    const a = runs(join(work, 'one'));
    const b = runs(join(work, 'two'));
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    expect(Object.keys(a)).toHaveLength(4);
    for (const id of Object.keys(a)) {
      expect(
        Object.keys(a[id]!).some((f) => f.endsWith('mask.safetensors')),
        id,
      ).toBe(true);
      expect(b[id], id).toEqual(a[id]);
    }
  }, 180_000);

  it('a failed point fails the sweep with exit 1 naming it; with --fail-fast the error and exit code of the failing worker', async () => {
    const work = mkdtempSync(join(tmpdir(), 'pk-cli-jobs-fail-'));
    writeFileSync(join(work, 'sweep.yaml'), FAILING);
    const [goOn, fast] = await Promise.all([
      prunekit(['sweep', 'sweep.yaml', '--out', 'a', '--jobs', '2'], { cwd: work }),
      prunekit(['sweep', 'sweep.yaml', '--out', 'b', '--jobs', '2', '--fail-fast'], { cwd: work }),
    ]);
    expect(goOn.status, goOn.stderr).toBe(1);
    expect(goOn.stdout).toMatch(/^ +0 +failed +\/\S+\/a\/mlp\./m);
    expect(goOn.stdout).toMatch(/^ +1 +done +\/\S+\/a\/mlp\./m);
    expect(goOn.stderr).toContain(
      '1 of 2 points failed (0: E_NAN); run the same command again to retry them',
    );

    expect(fast.status, fast.stderr).toBe(1);
    expect(fast.stderr).toMatch(
      /^prunekit sweep: worker 1 \(point 0\/2: mlp\.gaussian-mixture\.[\w-]+ \(training\.schedule\.lr=200\)\): training loss became (NaN|-?Infinity) in round 0/m,
    );
    expect(fast.stderr).toContain('[E_NAN]');
  }, 180_000);
});
