/**
 * The CLI as a real process: a sweep in two shards, merge, report, and a tiny demo.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectReport } from '../../../tools/testing/chromium.js';
import { jsonLines, prunekit } from './testing/cli-process.js';

const SWEEP = `# two methods × two seeds on a tiny task
name: tiny
base:
  model: { name: mlp, options: { inputShape: [8], hidden: [16], classes: 3 } }
  dataset: { name: gaussian-mixture, options: { dims: 8, trainSize: 128, testSize: 40 } }
  training: { epochs: 1ep, batchSize: 32 }
  pruning: { rounds: 1, fraction: 0.5 }
grid:
  rewind.policy.name: [lr-rewind, weight-rewind]
seeds: 2
`;

describe('prunekit sweep / merge / report (spawned)', () => {
  it('two shards cover the sweep; merge groups the replicates; report writes the HTML', async () => {
    const work = mkdtempSync(join(tmpdir(), 'pk-cli-sweep-'));
    writeFileSync(join(work, 'sweep.yaml'), SWEEP);
    const dry = await prunekit(['sweep', 'sweep.yaml', '--dry-run', '--json'], { cwd: work });
    expect(dry.status, dry.stderr).toBe(0);
    const points = (
      jsonLines(dry.stdout).find((l) => l.type === 'result') as {
        points: { index: number; label: unknown }[];
      }
    ).points;
    expect(points.map((p) => p.label)).toEqual([
      { 'rewind.policy.name': 'lr-rewind', seed: 0 },
      { 'rewind.policy.name': 'lr-rewind', seed: 1 },
      { 'rewind.policy.name': 'weight-rewind', seed: 0 },
      { 'rewind.policy.name': 'weight-rewind', seed: 1 },
    ]);

    const [a, b] = await Promise.all([
      prunekit(['sweep', 'sweep.yaml', '--shard', '0/2', '--out', 'runs', '--quiet'], { cwd: work }),
      prunekit(['sweep', 'sweep.yaml', '--shard', '1/2', '--out', 'runs', '--quiet'], { cwd: work }),
    ]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(a.stdout).toMatch(/^ +0 +done +/m);
    expect(a.stdout).toMatch(/^ +2 +done +/m);
    expect(b.stdout).toMatch(/^ +1 +done +/m);
    expect(b.stdout).toMatch(/^ +3 +done +/m);
    expect(readdirSync(join(work, 'runs'))).toHaveLength(4);
    const again = await prunekit(['sweep', 'sweep.yaml', '--out', 'runs', '--quiet'], { cwd: work });
    expect(again.stdout.match(/ skipped /g)).toHaveLength(4);

    const merged = await prunekit(['merge', 'runs', '--out', 'results'], { cwd: work });
    expect(merged.status, merged.stderr).toBe(0);
    // Two groups (one per method) × rounds 0 and 1, each with n = 2 replicates.
    expect(merged.stdout).toMatch(/^lrr +rewind\.policy\.name="lr-rewind" +1 +50\.0% +[\d.]+% ± [\d.]+ +2$/m);
    expect(merged.stdout).toMatch(
      /^imp +rewind\.policy\.name="weight-rewind" +1 +50\.0% +[\d.]+% ± [\d.]+ +2$/m,
    );
    expect(
      readFileSync(join(work, 'results', 'replicates.csv'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(1 + 4);

    const rep = await prunekit(['report', 'runs', '--out', 'report/index.html', '--title', 'tiny sweep'], {
      cwd: work,
    });
    expect(rep.status, rep.stderr).toBe(0);
    expect(rep.stdout).toBe(`report ${join(work, 'report', 'index.html')}\n`);
    expect(readFileSync(join(work, 'report', 'index.html'), 'utf8')).toContain('tiny sweep');
    const missing = await prunekit(['report', 'nowhere'], { cwd: work });
    expect(missing.status).toBe(2);
  }, 240_000);
});

const ARTIFACTS = join(__dirname, '../../../artifacts');

describe('prunekit demo (spawned)', () => {
  it('runs LRR, IMP and the random control plus the neuron study, and writes the report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pk-cli-demo-'));
    const r = await prunekit([
      'demo',
      '--synthetic',
      '--limit',
      '200',
      '--rounds',
      '1',
      '--neuron-seeds',
      '2',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'task: synthetic Gaussian mixture (built in: 8 classes in 64 dimensions, 200 train / 100 test points)',
    );
    expect(r.stdout).toMatch(/^round +density +LRR +IMP +random$/m);
    expect(r.stdout).toMatch(/^ +1 +50\.0% +[\d.]+% +[\d.]+% +[\d.]+%$/m);
    expect(r.stdout).toMatch(/^ d +IMP success +LRR success$/m);
    expect(r.stdout).toContain(`report   ${join(out, 'report.html')}`);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(existsSync(join(out, 'neuron-study', 'neuron-study.json'))).toBe(true);
    expect(readdirSync(join(out, 'runs'))).toHaveLength(3);

    // The demo's report opens in real headless Chromium and shows its plots, offline.
    const page = await inspectReport(join(out, 'report.html'), {
      screenshot: join(ARTIFACTS, 'demo-report.png'),
    });
    expect(page.ready).toBe('ok');
    expect(page.errors).toEqual([]);
    expect(page.blocked).toEqual([]);
    expect(page.failed).toEqual([]);
    // LRR, IMP and the random control, rounds 0 and 1: three lines of two points.
    expect(page.stats['accuracy-density']).toMatchObject({
      svg: 1,
      rows: 6,
      groups: 3,
      lines: 3,
      symbols: 6,
    });
    for (const plot of ['sign-flips', 'layer-density', 'neuron-success']) {
      expect(page.stats[plot]?.svg, plot).toBe(1);
      expect(page.stats[plot]?.rows, plot).toBeGreaterThan(0);
    }
  }, 240_000);
});
