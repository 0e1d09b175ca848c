/**
 * Training throughput per backend: samples/s of forward + backward + SGD update (median of timed
 * steps after warm-up), for LeNet-300-100 and a small conv net at batch 128.
 *
 * Then, per model and at density 1.0 and 0.1, ours on wasm alternated with the PyTorch reference
 * (`py/torch_reference.py` via `/usr/bin/python3`, see `torch.ts`; best of 1 and 2 threads), with
 * the ratio ours/PyTorch. At density 0.1 a fixed random mask is re-applied after every step on
 * both sides, as masked training does.
 *
 *   pnpm bench               quick set (cpu skips conv nets: ~100× slower than wasm)
 *   pnpm bench --full        everything, cpu conv included, longer budgets
 *   pnpm bench --no-torch    skip the PyTorch comparison
 *   pnpm bench --torch-only  only the PyTorch comparison
 *   pnpm bench --json f      also write the results as JSON to f
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Mask, type PrunableModel } from '@prunekit/core';
import { createModel, createModelRegistry } from '@prunekit/models';
import { type EngineName, ENGINE_ORDER, createRng, initBackend } from '@prunekit/tensor';
import { applyMask, crossEntropy, deviceMask, sgd } from '@prunekit/train';
import { type TorchCase, type TorchResult, bestTorch, probeTorch } from './torch.js';

interface Case {
  readonly label: string;
  readonly model: TorchCase['model'];
  readonly options: Record<string, unknown>;
  readonly batch: number;
  readonly conv: boolean;
}

/** Densities of the PyTorch comparison (fraction of prunable weights kept). */
const DENSITIES = [1, 0.1] as const;

const CASES: Case[] = [
  { label: 'LeNet-300-100', model: 'lenet-300-100', options: {}, batch: 128, conv: false },
  {
    label: 'Conv-2 (28×28×1)',
    model: 'conv2',
    options: { inputShape: [28, 28, 1], classes: 10 },
    batch: 128,
    conv: true,
  },
];

interface Row {
  engine: EngineName;
  model: string;
  batch: number;
  samplesPerSecond: number | null;
  msPerStep: number | null;
  steps: number;
  peakRssMiB: number;
  note?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A fixed random mask keeping each prunable weight with probability `density` (seeded). */
function randomMask(model: PrunableModel, density: number, seed: number): Mask {
  const rng = createRng(seed);
  return new Mask(
    model.params
      .filter((p) => p.prunable)
      .map((p) => {
        const n = p.shape.reduce((a, b) => a * b, 1);
        return [
          p.name,
          { shape: [...p.shape], data: Uint8Array.from({ length: n }, () => (rng.next() < density ? 1 : 0)) },
        ];
      }),
  );
}

/**
 * Median ms of one training step (forward + backward + SGD update), after one warm-up step.
 * With `mask`, the mask is applied before the first step and re-applied after every update,
 * as `trainPhase` does.
 */
function benchModel(
  model: PrunableModel,
  batch: number,
  budgetMs: number,
  mask?: Mask,
): { ms: number; steps: number } {
  const rng = createRng(0);
  const x = tf.tensor(
    Float32Array.from({ length: batch * model.inputShape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    [batch, ...model.inputShape],
  );
  const y = tf.tensor1d(
    Int32Array.from({ length: batch }, () => rng.int(model.outputSize)),
    'int32',
  );
  const opt = sgd(model, { momentum: 0.9, weightDecay: 1e-4 });
  const vars = model.params.map((p) => model.variable(p.name));
  const names = new Map(model.params.map((p) => [model.variable(p.name).name, p.name]));
  const dm = mask ? deviceMask(mask) : undefined;
  if (dm) applyMask(model, dm);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, true), y), vars);
      const named: Record<string, tf.Tensor> = {};
      for (const [k, g] of Object.entries(grads)) named[names.get(k) ?? k] = g;
      opt.apply(named, 0.01);
      if (dm) applyMask(model, dm);
      value.dataSync();
    });
  step(); // warm-up (kernel compilation, slot creation)
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 10 && (times.length === 0 || performance.now() - start < budgetMs)) {
    const t = performance.now();
    step();
    times.push(performance.now() - t);
  }
  opt.dispose();
  tf.dispose([x, y]);
  if (dm) tf.dispose([...dm.values()]);
  return { ms: median(times), steps: times.length };
}

interface CompareRow {
  model: string;
  batch: number;
  density: number;
  ours: { samplesPerSecond: number; msPerStep: number; steps: number };
  torch: TorchResult | null;
  /** ours / PyTorch samples/s; null without a PyTorch result. */
  ratio: number | null;
}

/** Per-engine table: every loadable engine, every case, density 1. */
async function engineRows(full: boolean): Promise<Row[]> {
  const registry = createModelRegistry();
  const rows: Row[] = [];
  let peak = 0;
  const sampleRss = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  for (const engine of ENGINE_ORDER) {
    try {
      await initBackend({ engine, log: () => {} });
    } catch (e) {
      console.log(`${engine}: not available (${(e as Error).message.split('. ')[0]})`);
      continue;
    }
    for (const c of CASES) {
      if (engine === 'cpu' && c.conv && !full) {
        rows.push({
          engine,
          model: c.label,
          batch: c.batch,
          samplesPerSecond: null,
          msPerStep: null,
          steps: 0,
          peakRssMiB: 0,
          note: 'skipped (cpu is ~100× slower on conv; --full runs it)',
        });
        continue;
      }
      peak = 0;
      const timer = setInterval(sampleRss, 50);
      const model = createModel(registry.get(c.model), c.options, 0);
      const before = tf.memory().numTensors;
      const { ms, steps } = benchModel(model, c.batch, full ? 60_000 : 15_000);
      model.dispose();
      clearInterval(timer);
      sampleRss();
      if (
        tf.memory().numTensors !== before - model.params.length - model.state.length &&
        tf.memory().numTensors > before
      ) {
        console.warn(`warning: ${engine}/${c.label} left tensors behind`);
      }
      rows.push({
        engine,
        model: c.label,
        batch: c.batch,
        samplesPerSecond: (c.batch * 1000) / ms,
        msPerStep: ms,
        steps,
        peakRssMiB: peak / 2 ** 20,
      });
    }
  }
  return rows;
}

function printEngineRows(rows: readonly Row[]): void {
  console.log('\ntraining throughput (forward + backward + SGD update, median of timed steps)\n');
  console.log(
    `${'engine'.padEnd(9)}${'model'.padEnd(20)}${'batch'.padStart(6)}${'samples/s'.padStart(12)}${'ms/step'.padStart(10)}${'steps'.padStart(7)}${'peak RSS MiB'.padStart(14)}`,
  );
  for (const r of rows) {
    const sps =
      r.samplesPerSecond === null ? '—' : r.samplesPerSecond.toFixed(r.samplesPerSecond < 10 ? 2 : 0);
    const ms = r.msPerStep === null ? '—' : r.msPerStep.toFixed(1);
    console.log(
      `${r.engine.padEnd(9)}${r.model.padEnd(20)}${String(r.batch).padStart(6)}${sps.padStart(12)}${ms.padStart(10)}${String(r.steps).padStart(7)}${(r.peakRssMiB ? r.peakRssMiB.toFixed(0) : '—').padStart(14)}${r.note ? `  ${r.note}` : ''}`,
    );
  }
}

/**
 * Ours on wasm next to the PyTorch reference: for each case and density, ours then PyTorch
 * (best of 1 and 2 threads), so both see the same machine load as closely as a shared machine
 * allows. Returns [] with the reason printed when wasm cannot load; PyTorch columns are null
 * (reason printed) when /usr/bin/python3 or torch is absent.
 */
async function compareRows(full: boolean): Promise<CompareRow[]> {
  try {
    await initBackend({ engine: 'wasm', log: () => {} });
  } catch (e) {
    console.log(`PyTorch comparison skipped: the wasm backend does not load (${(e as Error).message})`);
    return [];
  }
  const probe = probeTorch();
  if (!probe.ok) console.log(`PyTorch reference skipped: ${probe.reason}`);
  const registry = createModelRegistry();
  const budgetMs = full ? 60_000 : 15_000;
  const rows: CompareRow[] = [];
  for (const c of CASES) {
    for (const density of DENSITIES) {
      const model = createModel(registry.get(c.model), c.options, 0);
      const mask = density < 1 ? randomMask(model, density, 1) : undefined;
      const { ms, steps } = benchModel(model, c.batch, budgetMs, mask);
      model.dispose();
      const ours = { samplesPerSecond: (c.batch * 1000) / ms, msPerStep: ms, steps };
      const torch = probe.ok
        ? bestTorch({ model: c.model, batch: c.batch, steps: 10, budgetS: budgetMs / 1000, density })
        : null;
      const ratio = torch ? ours.samplesPerSecond / torch.samplesPerSecond : null;
      rows.push({ model: c.label, batch: c.batch, density, ours, torch, ratio });
      console.log(
        `  ${c.label} @ density ${density}: ours ${fmt(ours.samplesPerSecond)} samples/s, PyTorch ${torch ? `${fmt(torch.samplesPerSecond)} (${torch.tried?.map((t) => `${t.threads}t ${fmt(t.samplesPerSecond)}`).join(', ')})` : '—'}`,
      );
    }
  }
  return rows;
}

function fmt(sps: number): string {
  return sps.toFixed(sps < 10 ? 2 : 0);
}

function printCompareRows(rows: readonly CompareRow[]): void {
  if (rows.length === 0) return;
  const t = rows.find((r) => r.torch)?.torch;
  console.log(
    `\nours (wasm) vs PyTorch ${t ? `${t.torchVersion}, BLAS ${t.blas.split(', ')[0]}` : '(not available)'}; samples/s, median step\n`,
  );
  console.log(
    `${'model'.padEnd(20)}${'batch'.padStart(6)}${'density'.padStart(9)}${'ours'.padStart(10)}${'PyTorch'.padStart(10)}${'threads'.padStart(9)}${'ours/PyTorch'.padStart(14)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.model.padEnd(20)}${String(r.batch).padStart(6)}${r.density.toFixed(1).padStart(9)}${fmt(r.ours.samplesPerSecond).padStart(10)}${(r.torch ? fmt(r.torch.samplesPerSecond) : '—').padStart(10)}${(r.torch ? String(r.torch.threads) : '—').padStart(9)}${(r.ratio === null ? '—' : r.ratio.toFixed(3)).padStart(14)}`,
    );
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const full = args.includes('--full');
  const jsonAt = args.indexOf('--json');
  const rows = args.includes('--torch-only') ? [] : await engineRows(full);
  if (rows.length) printEngineRows(rows);
  const comparison = args.includes('--no-torch') ? [] : await compareRows(full);
  printCompareRows(comparison);
  if (jsonAt >= 0) {
    const file = args[jsonAt + 1];
    if (!file) throw new Error('--json needs a file name');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows, comparison }, null, 2)}\n`,
    );
    console.log(`\nwrote ${file}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
