/**
 * Pruning machinery at ResNet-50 scale (23.6 M prunable weights, the real ResNet-50 CIFAR-100
 * parameter shapes) and data loading:
 * - global magnitude mask (20% of the survivors), random matched mask, sign-flip fraction,
 *   mask apply to the model's variables;
 * - Fashion-MNIST load (60,000 + 10,000 images) from the Debian files, when present.
 *
 *   node dist/machinery.js [--json file]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Mask, type MaskContext, type Weights, resolveOptions } from '@prunekit/core';
import { createDatasetRegistry, loadDataset } from '@prunekit/datasets';
import { magnitudeGlobal, randomMatched } from '@prunekit/masks';
import { createModel, createModelRegistry } from '@prunekit/models';
import { flipFraction } from '@prunekit/signs';
import { createRng, initBackend } from '@prunekit/tensor';
import { applyMask, deviceMask } from '@prunekit/train';

interface Row {
  readonly what: string;
  readonly ms: number;
  readonly note?: string;
}

function time<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const out = fn();
  return [out, performance.now() - t];
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const jsonAt = args.indexOf('--json');
  const choice = await initBackend({ log: () => {} });
  const rows: Row[] = [];

  const model = createModel(createModelRegistry().get('resnet50'), { stem: 'cifar', classes: 100 }, 0);
  const prunable = model.params.filter((p) => p.prunable);
  const n = prunable.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  const rng = createRng(1);
  const weights: Weights = new Map();
  const trained: Weights = new Map();
  for (const p of model.params) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(size);
    const t = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      w[i] = rng.normal();
      t[i] = w[i]! + 0.5 * rng.normal();
    }
    weights.set(p.name, { shape: p.shape, data: w });
    trained.set(p.name, { shape: p.shape, data: t });
  }
  const ones = Mask.ones(model.params);
  const ctx = (mask: Mask): MaskContext => ({
    params: model.params,
    weights,
    mask,
    round: 1,
    target: { kind: 'fraction', fraction: 0.2 },
    rng: createRng(7),
  });

  const [m1, tGlobal] = await timeAsync(async () =>
    magnitudeGlobal.prune(ctx(ones), resolveOptions(magnitudeGlobal, {})),
  );
  rows.push({
    what: `global magnitude mask, ${(n / 1e6).toFixed(1)} M weights, prune 20%`,
    ms: tGlobal,
    note: `kept ${m1.count()}`,
  });
  const [m2, tGlobal2] = await timeAsync(async () =>
    magnitudeGlobal.prune(ctx(m1), resolveOptions(magnitudeGlobal, {})),
  );
  rows.push({
    what: 'global magnitude mask, round 2 (inside the round-1 mask)',
    ms: tGlobal2,
    note: `density ${m2.density().toFixed(4)}`,
  });
  const [, tRandom] = await timeAsync(async () =>
    randomMatched.prune({ ...ctx(ones), round: 1 }, resolveOptions(randomMatched, { reference: m2 })),
  );
  rows.push({ what: 'random mask matched to per-layer counts', ms: tRandom });
  const [flip, tFlip] = time(() =>
    flipFraction.compute({ params: model.params, a: weights, b: trained, mask: m1 }, {}),
  );
  rows.push({
    what: 'sign-flip fraction (per layer + overall)',
    ms: tFlip,
    note: `flip ${flip.value.toFixed(4)}`,
  });
  const dm = deviceMask(m1);
  applyMask(model, dm); // warm-up
  const [, tApply] = time(() => {
    applyMask(model, dm);
    tf.tidy(() => model.variable(prunable[0]!.name).dataSync());
  });
  rows.push({
    what: `mask apply to the model's variables (${choice.engine})`,
    ms: tApply,
    note: 'per training step',
  });
  tf.dispose([...dm.values()]);
  model.dispose();

  const dir = '/usr/share/datasets/fashion-mnist';
  if (existsSync(dir)) {
    const factory = createDatasetRegistry().get('fashion-mnist');
    const cpu0 = process.cpuUsage();
    const [data, tLoad] = await timeAsync(async () => loadDataset(factory, { dir }));
    const cpu = process.cpuUsage(cpu0);
    rows.push({
      what: `Fashion-MNIST load (${data.size('train')} + ${data.size('test')} images, gzipped IDX)`,
      ms: tLoad,
      note: `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`,
    });
  } else {
    rows.push({
      what: 'Fashion-MNIST load',
      ms: Number.NaN,
      note: `skipped: ${dir} absent (apt-get install dataset-fashion-mnist)`,
    });
  }

  console.log(`\npruning machinery and data loading (${choice.engine})\n`);
  for (const r of rows)
    console.log(
      `${r.what.padEnd(64)}${(Number.isNaN(r.ms) ? '—' : `${r.ms.toFixed(0)} ms`).padStart(10)}  ${r.note ?? ''}`,
    );
  if (jsonAt >= 0) {
    const file = args[jsonAt + 1];
    if (!file) throw new Error('--json needs a file name');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), engine: choice.engine, rows }, null, 2)}\n`,
    );
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
