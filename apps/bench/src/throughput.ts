/**
 * Training throughput per backend: samples/s of forward + backward + SGD update (median of timed
 * steps after warm-up), for LeNet-300-100 and a small conv net at batch 128.
 *
 *   pnpm bench            quick set (cpu skips conv nets: ~100× slower than wasm)
 *   pnpm bench --full     everything, cpu conv included
 *   pnpm bench --json f   also write the results as JSON to f
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { PrunableModel } from '@prunekit/core';
import { createModel, createModelRegistry } from '@prunekit/models';
import { type EngineName, ENGINE_ORDER, createRng, initBackend } from '@prunekit/tensor';
import { crossEntropy, sgd } from '@prunekit/train';

interface Case {
  readonly label: string;
  readonly model: string;
  readonly options: Record<string, unknown>;
  readonly batch: number;
  readonly conv: boolean;
}

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

function benchModel(model: PrunableModel, batch: number, budgetMs: number): { ms: number; steps: number } {
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
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, true), y), vars);
      const named: Record<string, tf.Tensor> = {};
      for (const [k, g] of Object.entries(grads)) named[names.get(k) ?? k] = g;
      opt.apply(named, 0.01);
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
  return { ms: median(times), steps: times.length };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const full = args.includes('--full');
  const jsonAt = args.indexOf('--json');
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
  if (jsonAt >= 0) {
    const file = args[jsonAt + 1];
    if (!file) throw new Error('--json needs a file name');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`,
    );
    console.log(`\nwrote ${file}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
