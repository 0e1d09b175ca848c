import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeRuns } from './merge.js';
import { RUN_FILES, runDirectory } from './run-dir.js';
import { expandSweep, parseSweep, runSweep } from './sweep.js';
import { TINY, tempDir } from './testing/fixtures.js';
import { runChild } from './testing/spawn.js';

const base = tempDir('pk-sweep-');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const SWEEP_YAML = `
name: policies
base:
  model: { name: mlp, options: { inputShape: [22], hidden: [5], classes: 3 } }
  dataset: { name: gaussian-mixture, options: { dims: 22, classes: 3, trainSize: 64, testSize: 30 } }
  training: { epochs: 1ep, batchSize: 32, warmup: 1ep, augment: false }
set:
  pruning.rounds: 1
grid:
  rewind.policy.name: [lr-rewind, weight-rewind]
seeds: 2
`;

describe('runSweep', () => {
  it('two shards running at once in two processes share one results directory; a rerun skips everything; merge gives the table', async () => {
    const file = join(base, 'sweep.yaml');
    writeFileSync(file, SWEEP_YAML);
    const out = join(base, 'runs');
    const sweep = parseSweep(SWEEP_YAML, { source: file });
    expect(sweep.points).toHaveLength(4);

    const [s0, s1] = await Promise.all([
      runChild(['sweep', file, out, '0/2']),
      runChild(['sweep', file, out, '1/2']),
    ]);
    expect(s0.status, s0.stderr).toBe(0);
    expect(s1.status, s1.stderr).toBe(0);
    const r0 = JSON.parse(s0.stdout.trim().split('\n').pop()!);
    const r1 = JSON.parse(s1.stdout.trim().split('\n').pop()!);
    expect(r0.points.map((p: { index: number; status: string }) => [p.index, p.status])).toEqual([
      [0, 'done'],
      [2, 'done'],
    ]);
    expect(r1.points.map((p: { index: number; status: string }) => [p.index, p.status])).toEqual([
      [1, 'done'],
      [3, 'done'],
    ]);
    for (const p of sweep.points)
      expect(existsSync(join(runDirectory(out, p.runId), RUN_FILES.done)), p.runId).toBe(true);

    // Running the whole sweep again here finds every run finished.
    const again = await runSweep(sweep, { out });
    expect(again.points.map((p) => p.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);

    // Labels (preset, sweep, grid values) are stored with each run and come back in the table.
    const stored = JSON.parse(
      readFileSync(join(runDirectory(out, sweep.points[3]!.runId), RUN_FILES.recipe), 'utf8'),
    );
    expect(stored.meta).toEqual({
      sweep: 'policies',
      label: { 'rewind.policy.name': 'weight-rewind', seed: 1 },
    });

    const merged = mergeRuns([out], { out: join(base, 'results') });
    expect(merged.runs).toHaveLength(4);
    expect(merged.rows).toHaveLength(8); // 4 runs × rounds 0, 1
    expect(new Set(merged.rows.map((r) => r.density))).toEqual(new Set([1, 0.8]));
    expect(merged.groups.map((g) => [g.label, g.seeds, g.variant, g.preset])).toEqual([
      [{ 'rewind.policy.name': 'lr-rewind' }, [0, 1], 'magnitude-global + lr-rewind', 'lrr'],
      [{ 'rewind.policy.name': 'weight-rewind' }, [0, 1], 'magnitude-global + weight-rewind', 'imp'],
    ]);
    for (const g of merged.groups) {
      expect(g.rounds.map((r) => r.n)).toEqual([2, 2]);
      const accs = merged.rows
        .filter((r) => r.group === g.group && r.round === 1)
        .map((r) => r.testAccuracy!);
      expect(g.rounds[1]!.testAccuracy!.mean).toBeCloseTo((accs[0]! + accs[1]!) / 2, 12);
      expect(g.rounds[1]!.testAccuracy!.std).toBeCloseTo(Math.abs(accs[0]! - accs[1]!) / Math.SQRT2, 12);
    }
    const csv = readFileSync(join(base, 'results', 'merged.csv'), 'utf8').split('\n');
    expect(csv[0]).toContain(',rewind.policy.name,round,density,');
  }, 180_000);

  it('reports a point locked by another live process and a failed point, and goes on', async () => {
    const out = join(base, 'mixed');
    const sweep = expandSweep({
      base: {
        ...TINY,
        pruning: { rounds: 1 },
        training: { ...TINY.training, warmup: '0it', epochs: '8ep', schedule: { kind: 'constant', lr: 200 } },
      },
      grid: { 'training.schedule.lr': [200, 0.1, 0.05] },
    });
    // another worker holds point 1
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const locked = runDirectory(out, sweep.points[1]!.runId);
      mkdirSync(locked, { recursive: true });
      writeFileSync(join(locked, RUN_FILES.lock), `${holder.pid}@${hostname()}`);
      const seen: string[] = [];
      const res = await runSweep(sweep, { out, onPoint: (p, status) => seen.push(`${p.index}:${status}`) });
      expect(res.points.map((p) => [p.index, p.status, p.error?.code])).toEqual([
        [0, 'failed', 'E_NAN'],
        [1, 'locked', 'E_LOCK'],
        [2, 'done', undefined],
      ]);
      expect(seen).toEqual(['0:start', '0:failed', '1:start', '1:locked', '2:start', '2:done']);
      await expect(runSweep(sweep, { out, failFast: true })).rejects.toThrow(/training loss became/);
    } finally {
      const exited = new Promise((done) => holder.once('exit', done));
      holder.kill('SIGKILL');
      await exited;
    }
  }, 120_000);
});
