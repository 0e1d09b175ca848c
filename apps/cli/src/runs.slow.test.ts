/**
 * The CLI as a real process on tiny runs (an MLP on the synthetic Gaussian mixture, a few steps):
 * run (--json, --seeds), resume, a failing run, export to tfjs and safetensors.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRun } from '@prunekit/experiment';
import { createModel, createModelRegistry } from '@prunekit/models';
import { loadSafetensors } from '@prunekit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, prunekit } from './testing/cli-process.js';

const MODEL = { name: 'mlp', options: { inputShape: [8], hidden: [16], classes: 3 } };
const TINY = {
  model: MODEL,
  dataset: { name: 'gaussian-mixture', options: { dims: 8, trainSize: 160, testSize: 60 } },
  training: { epochs: '1ep', batchSize: 32, warmup: '1ep' },
  pruning: { rounds: 2, fraction: 0.5 },
};

let work: string;
let runDir: string;
let jsonOut: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pk-cli-runs-'));
  writeFileSync(join(work, 'tiny.json'), JSON.stringify(TINY));
  const r = await prunekit(['run', 'tiny.json', '--out', 'runs', '--json'], { cwd: work });
  expect(r.status, r.stderr).toBe(0);
  jsonOut = r.stdout;
  const result = jsonLines(r.stdout).find((l) => l.type === 'result') as { runs: { dir: string }[] };
  runDir = result.runs[0]!.dir;
}, 180_000);

describe('prunekit run / resume (spawned)', () => {
  it('--json: every stdout line is JSON: the run events, then the result with the run id and directory', () => {
    const lines = jsonLines(jsonOut);
    const types = new Set(lines.map((l) => l.type));
    for (const t of [
      'run-start',
      'round-start',
      'epoch-start',
      'step',
      'epoch-end',
      'round-end',
      'prune',
      'checkpoint',
      'run-end',
      'result',
    ]) {
      expect(types, t).toContain(t);
    }
    expect(lines.at(-1)!.type).toBe('result');
    expect(lines.filter((l) => l.type === 'round-end').map((l) => l.density)).toEqual(
      [1, 0.5, 0.25].map((d) => expect.closeTo(d, 2)),
    );
    const result = lines.at(-1) as {
      command: string;
      runs: { runId: string; dir: string; rounds: unknown[] }[];
    };
    expect(result.command).toBe('run');
    expect(result.runs[0]!.dir).toBe(join(work, 'runs', result.runs[0]!.runId));
    expect(result.runs[0]!.rounds).toHaveLength(3);
    expect(existsSync(join(runDir, 'done.json'))).toBe(true);
  });

  it('resume of a finished run returns at once; plain output names the run id and directory', async () => {
    const r = await prunekit(['resume', runDir]);
    expect(r.status, r.stderr).toBe(0);
    const id = runDir.split('/').pop()!;
    expect(r.stdout).toBe(`run ${id} (already finished; nothing to do)\ndir ${runDir}\n`);
  }, 120_000);

  it('--seeds 2 runs replicates with seed 0 and 1 (line logs on a non-TTY stderr)', async () => {
    const r = await prunekit(
      ['run', 'tiny.json', '--out', 'seeds', '--seeds', '2', '--set', 'pruning.rounds=1'],
      { cwd: work },
    );
    expect(r.status, r.stderr).toBe(0);
    const dirs = [...r.stdout.matchAll(/^dir (.+)$/gm)].map((m) => m[1]!);
    expect(dirs).toHaveLength(2);
    const seeds = dirs.map(
      (d) =>
        (JSON.parse(readFileSync(join(d, 'recipe.json'), 'utf8')) as { recipe: { seed: number } }).recipe
          .seed,
    );
    expect(seeds).toEqual([0, 1]);
    expect(r.stderr).toMatch(/^round 1\/1 done: test accuracy [\d.]+%, test loss [\d.]+, density 50\.0% /m);
    expect(r.stderr).not.toContain('\r');
  }, 120_000);

  it('a run whose loss becomes NaN exits 1 and says how to resume', async () => {
    const r = await prunekit(
      [
        'run',
        'tiny.json',
        '--out',
        'nan',
        '--set',
        'training.schedule={kind: constant, lr: 1e30}',
        '--quiet',
      ],
      { cwd: work },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^prunekit run: training loss became (NaN|Infinity|-Infinity) in round 0.*\[E_NAN\]\n$/,
    );
  }, 120_000);
});

describe('prunekit export (spawned)', () => {
  it('tfjs: model.json + weights.bin load with tf.loadLayersModel and predict like the run’s model', async () => {
    const out = join(work, 'export-tfjs');
    const r = await prunekit(['export', runDir, '--format', 'tfjs', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^exported round 2 of .+ as tfjs\n/);
    expect(r.stdout).toMatch(/prunable weights: density 25\.0%/);
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    const bin = readFileSync(join(out, 'weights.bin'));
    // Plain tfjs: no prunekit code involved in loading.
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: new Uint8Array(bin).buffer,
      }),
    );
    const model = createModel(createModelRegistry().get('mlp'), MODEL.options, 0);
    model.restore(await openRun(runDir).weights(2, 'trained'));
    const [a, b] = tf.tidy(() => {
      const x = tf.randomNormal([16, 8], 0, 2, 'float32', 5);
      return [model.forward(x, false).dataSync(), (loaded.predict(x) as tf.Tensor).dataSync()];
    });
    model.dispose();
    loaded.dispose();
    expect(b!.length).toBe(a!.length);
    for (let i = 0; i < a!.length; i++) expect(b![i]).toBeCloseTo(a![i]!, 5);
    const info = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'));
    expect(info).toMatchObject({ round: 2, format: 'tfjs', prunable: 8 * 16 + 16 * 3 });
    expect(info.prunableNonzero).toBe(Math.round(0.25 * info.prunable));
    expect(info.sparseBytes).toBeLessThan(info.denseBytes);
  }, 120_000);

  it('safetensors: PyTorch layout ([out, in] kernels) that reads back; --round picks the round', async () => {
    const out = join(work, 'export-st');
    const r = await prunekit([
      'export',
      runDir,
      '--format',
      'safetensors',
      '--round',
      '1',
      '--out',
      out,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const [res] = jsonLines(r.stdout).filter((l) => l.type === 'result');
    expect(res).toMatchObject({ round: 1, format: 'safetensors' });
    const file = loadSafetensors(join(out, 'model.safetensors'));
    expect([...file.tensors.keys()]).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(file.tensors.get('fc1.weight')!.shape).toEqual([16, 8]);
    expect(file.metadata.format).toBe('pt');
    const trained = (await openRun(runDir).weights(1, 'trained')).params.get('fc1.weight')!; // [in 8, out 16]
    const torch = file.tensors.get('fc1.weight')!.data;
    for (let i = 0; i < 8; i++)
      for (let o = 0; o < 16; o++) expect(torch[o * 8 + i]).toBe(trained.data[i * 16 + o]);
    const bad = await prunekit(['export', runDir, '--round', '9']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('has no trained weights for round 9. choose a round from 0 to 2');
  }, 120_000);
});
