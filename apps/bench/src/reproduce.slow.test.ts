import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../..');
const SCRIPT = join(ROOT, 'apps/bench/src/reproduce.ts');
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;

/** Run the script from its sources (workspace packages resolved to their sources too). */
function reproduce(args: readonly string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((res, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, SCRIPT, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: join(ROOT, 'tools/tsconfig/dev.json'),
        PRUNEKIT_QUIET_BACKEND: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (status) => res({ status, out }));
  });
}

describe('reproduce --scale smoke', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'prunekit-reproduce-'));
  const docs = join(tmp, 'docs');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('runs every experiment on two workers and writes the markdown with every section and its figures; a rerun runs nothing', async () => {
    const first = await reproduce(['--scale', 'smoke', '--jobs', '2', '--out', tmp, '--docs', docs]);
    expect(first.status, first.out).toBe(0);
    expect(first.out).toContain('[w0]');
    expect(first.out).toContain('[w1]');

    const md = readFileSync(join(docs, 'reproductions.md'), 'utf8');
    for (const heading of [
      '## Settings',
      '## Experiment 1: the one-neuron model',
      '## Experiment 2: IMP vs LRR vs fine-tuning on Fashion-MNIST',
      '### LeNet-300-100: IMP vs LRR vs fine-tuning',
      '### Conv-4: IMP vs LRR vs fine-tuning',
      '## Experiment 3: masks, signs and sign perturbation (LeNet-300-100)',
      '### Mask or optimization?',
      '### Random masks',
      '### IMP with the signs of LRR',
      '### LRR under sign perturbation',
      '### Sign flips per round',
      '## What the numbers show, claim by claim',
    ]) {
      expect(md, heading).toContain(heading);
    }
    for (let claim = 1; claim <= 5; claim++)
      expect(md).toMatch(new RegExp(`\\*\\*${claim}\\. .*\\*\\* — \\*`));
    expect(md).toContain('Smoke scale');
    expect(md).toContain('node apps/bench/dist/reproduce.js --scale smoke');
    expect(md).toContain('Runs finished: 26 of 26');
    expect(md).not.toContain('no finished runs');
    // every table row of an accuracy table has mean ± std in each arm's column
    expect(md).toMatch(
      /\| 2 \| 64\.0% \| \d+\.\d\d ± \d+\.\d\d \| \d+\.\d\d ± \d+\.\d\d \| \d+\.\d\d ± \d+\.\d\d \|/,
    );

    const figures = [...md.matchAll(/!\[[^\]]*\]\((figures\/[^)]+\.svg)\)/g)].map((m) => m[1]!);
    expect(figures.sort()).toEqual(
      ['conv4', 'flips-conv4', 'flips-lenet', 'lenet', 'masks', 'neuron', 'perturbation', 'random', 'signs']
        .map((n) => `figures/reproductions-${n}.svg`)
        .sort(),
    );
    for (const f of figures) {
      expect(existsSync(join(docs, f)), f).toBe(true);
      expect(readFileSync(join(docs, f), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    }

    // everything is finished: the same command only rewrites the report
    const again = await reproduce(['--scale', 'smoke', '--jobs', '2', '--out', tmp, '--docs', docs]);
    expect(again.status, again.out).toBe(0);
    expect(again.out).toContain('phase 1: 6 runs (6 finished), 2 one-neuron studies (2 finished)');
    expect(again.out).toContain('phase 2: 20 runs (20 finished)');
    expect(again.out).not.toContain('[w0]');
  }, 400_000);
});
