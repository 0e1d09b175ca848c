/**
 * Pruning machinery at ResNet-50 scale (23.6 M prunable weights, the real ResNet-50 CIFAR-100
 * parameter shapes) and data loading:
 * - global magnitude mask (20% of the survivors), random matched mask, sign-flip fraction,
 *   mask apply to the model's variables — median times, next to the PyTorch reference
 *   (`py/torch_machinery.py`, same shapes, best of 1 and 2 threads) with the time ratio
 *   ours/PyTorch (above 1 = ours slower);
 * - Fashion-MNIST load (60,000 + 10,000 images) from the Debian files, when present (ours only).
 *
 *   node dist/machinery.js [--full] [--no-torch] [--json file]   (default results/machinery.json)
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Mask, type MaskContext, type Weights, resolveOptions } from '@prunekit/core';
import { createDatasetRegistry, loadDataset } from '@prunekit/datasets';
import { magnitudeGlobal, randomMatched } from '@prunekit/masks';
import { createModel, createModelRegistry } from '@prunekit/models';
import { flipFraction } from '@prunekit/signs';
import { createRng, initBackend } from '@prunekit/tensor';
import { applyMask, deviceMask } from '@prunekit/train';
import { type TorchMachineryResult, probeTorch, runTorchMachinery } from './torch.js';

/** One operation: ours (median ms) next to the PyTorch reference (best of 1 and 2 threads). */
interface Row {
  /** Key shared with `py/torch_machinery.py` (`globalRound1`, …); null for ours-only rows. */
  readonly key: string | null;
  readonly what: string;
  /** Median ms over the timed repetitions (NaN when skipped). */
  readonly ms: number;
  readonly timesMs: readonly number[];
  readonly note?: string;
  torchMs?: number | null;
  torchThreads?: number | null;
  /** ours ms / PyTorch ms: above 1 = ours slower, below 1 = ours faster. */
  ratio?: number | null;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Run `fn` `repeats` times (at least once): last result, median ms, every ms. */
async function timed<T>(
  fn: () => T | Promise<T>,
  repeats: number,
  label?: string,
): Promise<[T, number, number[]]> {
  const times: number[] = [];
  let out: T | undefined;
  for (let i = 0; i < Math.max(1, repeats); i++) {
    const t = performance.now();
    out = await fn();
    times.push(performance.now() - t);
  }
  if (label) console.log(`  ours: ${label}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
  return [out as T, median(times), times];
}

/** Default JSON output: `apps/bench/results/machinery.json` (gitignored). */
const DEFAULT_JSON = fileURLToPath(new URL('../results/machinery.json', import.meta.url));

/** Prune fraction per round (the paper's 20 % of the survivors). */
const FRACTION = 0.2;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const full = args.includes('--full');
  const noTorch = args.includes('--no-torch');
  const jsonAt = args.indexOf('--json');
  const file = jsonAt >= 0 ? args[jsonAt + 1] : DEFAULT_JSON;
  if (!file) throw new Error('--json needs a file name');
  const repeats = full ? 7 : 3;
  const applyRepeats = full ? 30 : 10;
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
    target: { kind: 'fraction', fraction: FRACTION },
    rng: createRng(7),
  });

  const [m1, tGlobal, tsGlobal] = await timed(
    () => magnitudeGlobal.prune(ctx(ones), resolveOptions(magnitudeGlobal, {})),
    repeats,
    'global magnitude round 1',
  );
  rows.push({
    key: 'globalRound1',
    what: `global magnitude mask, ${(n / 1e6).toFixed(1)} M weights, prune 20%`,
    ms: tGlobal,
    timesMs: tsGlobal,
    note: `kept ${m1.count()}`,
  });
  const [m2, tGlobal2, tsGlobal2] = await timed(
    () => magnitudeGlobal.prune(ctx(m1), resolveOptions(magnitudeGlobal, {})),
    repeats,
    'global magnitude round 2',
  );
  rows.push({
    key: 'globalRound2',
    what: 'global magnitude mask, round 2 (inside the round-1 mask)',
    ms: tGlobal2,
    timesMs: tsGlobal2,
    note: `density ${m2.density().toFixed(4)}`,
  });
  const [, tRandom, tsRandom] = await timed(
    () => randomMatched.prune({ ...ctx(ones), round: 1 }, resolveOptions(randomMatched, { reference: m2 })),
    repeats,
    'random matched',
  );
  rows.push({
    key: 'randomMatched',
    what: 'random mask matched to per-layer counts',
    ms: tRandom,
    timesMs: tsRandom,
  });
  const [flip, tFlip, tsFlip] = await timed(
    () => flipFraction.compute({ params: model.params, a: weights, b: trained, mask: m1 }, {}),
    repeats,
    'sign-flip fraction',
  );
  rows.push({
    key: 'flipFraction',
    what: 'sign-flip fraction (per layer + overall)',
    ms: tFlip,
    timesMs: tsFlip,
    note: `flip ${flip.value.toFixed(4)}`,
  });
  const dm = deviceMask(m1);
  applyMask(model, dm); // warm-up
  const [, tApply, tsApply] = await timed(
    () => {
      applyMask(model, dm);
      tf.tidy(() => model.variable(prunable[0]!.name).dataSync());
    },
    applyRepeats,
    'mask apply',
  );
  rows.push({
    key: 'maskApply',
    what: `mask apply to the model's variables (${choice.engine})`,
    ms: tApply,
    timesMs: tsApply,
    note: 'per training step',
  });
  tf.dispose([...dm.values()]);
  const params = model.params.map((p) => ({ name: p.name, shape: [...p.shape], prunable: p.prunable }));
  model.dispose();

  // The PyTorch side on the same parameter shapes, with 1 and with 2 threads (best per operation).
  let torchSkipped: string | null = null;
  const torchRuns: TorchMachineryResult[] = [];
  if (noTorch) torchSkipped = '--no-torch';
  else {
    const probe = probeTorch();
    if (!probe.ok) {
      torchSkipped = probe.reason;
      console.log(`PyTorch machinery reference skipped: ${probe.reason}`);
    } else {
      for (const threads of [1, 2]) {
        const r = runTorchMachinery({ params, fraction: FRACTION, repeats, applyRepeats, seed: 1 }, threads);
        if (r) {
          torchRuns.push(r);
          console.log(
            `  PyTorch (${r.threads} thread${r.threads > 1 ? 's' : ''}): ${Object.entries(r.timings)
              .map(([k, t]) => `${k} ${t.ms.toFixed(1)} ms`)
              .join(', ')}`,
          );
        }
      }
      if (torchRuns.length === 0) torchSkipped = 'every PyTorch run failed (reasons above)';
    }
  }
  for (const row of rows) {
    if (!row.key) continue;
    let best: { ms: number; threads: number } | null = null;
    for (const r of torchRuns) {
      const t = r.timings[row.key];
      if (t && (!best || t.ms < best.ms)) best = { ms: t.ms, threads: r.threads };
    }
    row.torchMs = best?.ms ?? null;
    row.torchThreads = best?.threads ?? null;
    row.ratio = best ? row.ms / best.ms : null;
  }

  const dir = '/usr/share/datasets/fashion-mnist';
  if (existsSync(dir)) {
    const factory = createDatasetRegistry().get('fashion-mnist');
    const cpu0 = process.cpuUsage();
    const [data, tLoad] = await timed(() => loadDataset(factory, { dir }), 1);
    const cpu = process.cpuUsage(cpu0);
    rows.push({
      key: null,
      what: `Fashion-MNIST load (${data.size('train')} + ${data.size('test')} images, gzipped IDX)`,
      ms: tLoad,
      timesMs: [tLoad],
      note: `${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU; ours only`,
    });
  } else {
    rows.push({
      key: null,
      what: 'Fashion-MNIST load',
      ms: Number.NaN,
      timesMs: [],
      note: `skipped: ${dir} absent (apt-get install dataset-fashion-mnist)`,
    });
  }

  const t0 = torchRuns[0];
  console.log(
    `\npruning machinery at ResNet-50 scale (ours: ${choice.engine}, median of ${repeats}; mask apply median of ${applyRepeats}) vs ${t0 ? `PyTorch ${t0.torchVersion} (best of 1 and 2 threads)` : `PyTorch (absent: ${torchSkipped})`}\n`,
  );
  const ms = (v: number | null | undefined) =>
    v === null || v === undefined || Number.isNaN(v)
      ? '—'
      : v < 10
        ? `${v.toFixed(2)} ms`
        : `${v.toFixed(0)} ms`;
  console.log(
    `${'operation'.padEnd(64)}${'ours'.padStart(10)}${'PyTorch'.padStart(11)}${'thr'.padStart(5)}${'ours/PyTorch'.padStart(14)}  note`,
  );
  for (const r of rows)
    console.log(
      `${r.what.padEnd(64)}${ms(r.ms).padStart(10)}${ms(r.torchMs).padStart(11)}${(r.torchThreads ? String(r.torchThreads) : '—').padStart(5)}${(r.ratio === null || r.ratio === undefined ? '—' : r.ratio.toFixed(2)).padStart(14)}  ${r.note ?? ''}`,
    );
  console.log('ours/PyTorch = ours time ÷ PyTorch time: above 1 = ours slower, below 1 = ours faster.');
  for (const r of torchRuns)
    console.log(
      `PyTorch check (${r.threads} thread${r.threads > 1 ? 's' : ''}): ${r.weights} weights, kept ${r.checks.kept1} after round 1, density ${r.checks.density2?.toFixed(4)} after round 2, flip ${r.checks.flip?.toFixed(4)}, ru_maxrss ${r.maxRssMiB?.toFixed(0)} MiB`,
    );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), engine: choice.engine, full, weights: n, torchSkipped, rows, torch: torchRuns }, null, 2)}\n`,
  );
  console.log(`\nwrote ${file}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
