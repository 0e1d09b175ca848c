/**
 * Training throughput per backend: samples/s of forward + backward + SGD update (median of timed
 * steps after warm-up), for LeNet-300-100 and Conv-2 at batch 128.
 *
 * Then, per model (LeNet-300-100, Conv-2, Conv-4 on 28×28×1 at batch 128; ResNet-18 CIFAR on
 * 32×32×3 at batch 32, `--full` only) and at density 1.0 and 0.1, ours on wasm alternated with the
 * PyTorch reference (`py/torch_reference.py` via `/usr/bin/python3`, see `torch.ts`), each side at
 * its best of 1 and 2 threads, with the ratio ours/PyTorch. Each side warms up (ours for 3 s, until
 * V8's optimizing compilers have taken over; PyTorch for as many steps) before the timed steps.
 * At density 0.1 a fixed random mask is applied on both sides, as masked training does (ours:
 * inside the update, with the sparse kernels for dense layers below the density threshold). A memory table follows: peak RSS,
 * tfjs tensor bytes and the tensor-count check for ours, ru_maxrss for PyTorch.
 *
 *   node dist/throughput.js               quick set (cpu skips conv nets: ~100× slower than wasm)
 *   node dist/throughput.js --full        everything: cpu conv, ResNet-18, longer budgets
 *   node dist/throughput.js --no-torch    skip the PyTorch comparison
 *   node dist/throughput.js --torch-only  only the PyTorch comparison
 *   node dist/throughput.js --model m     only model m (lenet-300-100, conv2, conv4, resnet18)
 *   node dist/throughput.js --json f      write the JSON to f (default results/throughput.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { Mask, PrunableModel } from '@prunekit/core';
import { createModel, createModelRegistry } from '@prunekit/models';
import { type EngineName, ENGINE_ORDER, currentBackend, initBackend } from '@prunekit/tensor';
import { benchStep, randomMask } from './step.js';
import { type TorchCase, type TorchResult, bestTorch, probeTorch } from './torch.js';

interface Case {
  readonly label: string;
  readonly model: TorchCase['model'];
  readonly options: Record<string, unknown>;
  readonly batch: number;
  readonly conv: boolean;
  /** Only with `--full` (too slow for a couple of timed steps in the quick run). */
  readonly fullOnly?: boolean;
  /** At most this many timed steps (default 10). */
  readonly maxSteps?: number;
  /** Warm-up per side and density, ms (default 3 s; `--full`: 10 s); PyTorch gets as many steps. */
  readonly warmupMs?: number;
  /** Timing budget per side and density in the quick run, ms (default 15 s; `--full`: 60 s). */
  readonly quickBudgetMs?: number;
}

/** Most warm-up steps per case (LeNet-300-100 needs ~100 before its step time settles). */
const MAX_WARMUP_STEPS = 300;

/** Densities of the PyTorch comparison (fraction of prunable weights kept). */
const DENSITIES = [1, 0.1] as const;

const LENET: Case = {
  label: 'LeNet-300-100',
  model: 'lenet-300-100',
  options: {},
  batch: 128,
  conv: false,
  maxSteps: 300,
  quickBudgetMs: 5_000,
};
const CONV2: Case = {
  label: 'Conv-2 (28×28×1)',
  model: 'conv2',
  options: { inputShape: [28, 28, 1], classes: 10 },
  batch: 128,
  conv: true,
};

/** The per-engine table. */
const ENGINE_CASES: Case[] = [LENET, CONV2];

/** The ours-vs-PyTorch table, smallest first (ours' RSS only grows within one process). */
const COMPARE_CASES: Case[] = [
  LENET,
  CONV2,
  {
    label: 'Conv-4 (28×28×1)',
    model: 'conv4',
    options: { inputShape: [28, 28, 1], classes: 10 },
    batch: 128,
    conv: true,
    quickBudgetMs: 10_000,
  },
  {
    // 78-112 s per step on wasm, 11-18 s on PyTorch on the loaded 2-core machine: --full only.
    label: 'ResNet-18 (32×32×3)',
    model: 'resnet18',
    options: { stem: 'cifar', inputShape: [32, 32, 3], classes: 10 },
    batch: 32,
    conv: true,
    fullOnly: true,
    maxSteps: 3,
  },
];

/** Memory of one of our cases (one process for all cases: RSS includes earlier cases). */
interface OursMemory {
  /** Largest `process.memoryUsage().rss` sampled before warm-up, after it and after every timed step, MiB. */
  rssPeakMiB: number;
  /** `process.resourceUsage().maxRSS` after the case: the process's peak so far, MiB. */
  maxRssMiB: number;
  /** `tf.memory().numBytes` after the warm-up step (weights, optimizer slots, batch, mask), MiB. */
  tfLiveMiB: number;
  /** Peak `tf.memory().numBytes` during the (profiled) warm-up step, MiB. */
  tfPeakMiB: number;
  /** `tf.memory().numTensors` after warm-up and after the last timed step (must be equal). */
  tensorsAfterWarmup: number;
  tensorsEnd: number;
  /** `tf.memory().numBytes` growth across the timed steps, bytes (must be 0). */
  bytesGrowth: number;
  /** Tensors left after the whole case (model created … disposed); must be 0. */
  tensorsLeft: number;
}

interface Row {
  engine: EngineName;
  model: string;
  batch: number;
  samplesPerSecond: number | null;
  msPerStep: number | null;
  steps: number;
  peakRssMiB: number;
  memory?: OursMemory;
  note?: string;
}

const MiB = 2 ** 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Median ms of one training step (forward + backward + SGD update), after one warm-up step run
 * under `tf.profile` (for the peak tensor bytes; not timed) and more warm-up steps for `warmupMs`
 * (at most {@link MAX_WARMUP_STEPS}). With `mask`, the mask is applied
 * before the first step and inside every update, as `trainPhase` does (`benchStep`). RSS is sampled
 * around every step (the steps are synchronous, so a timer would never fire during one).
 */
async function benchModel(
  model: PrunableModel,
  batch: number,
  budgetMs: number,
  maxSteps: number,
  warmupMs: number,
  mask?: Mask,
): Promise<{ ms: number; steps: number; warmupSteps: number; memory: OursMemory }> {
  let rssPeak = process.memoryUsage().rss;
  const sampleRss = () => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  };
  const { step, dispose } = benchStep(model, batch, mask);
  // warm-up (kernel compilation, slot creation), profiled for the peak tensor bytes
  const profile = await tf.profile(() => step());
  sampleRss();
  // Then steps until the JITs settle: V8 first runs JavaScript and WebAssembly on baseline
  // compilers and optimizes hot code later (a LeNet-300-100 step at density 0.1 goes from 4.4 ms
  // to 2.0 ms over its first ~100 steps), so a step or two of warm-up measures the baseline code.
  let warmupSteps = 1;
  const warmStart = performance.now();
  while (warmupSteps < MAX_WARMUP_STEPS && performance.now() - warmStart < warmupMs) {
    step();
    warmupSteps++;
  }
  sampleRss();
  const tensorsAfterWarmup = tf.memory().numTensors;
  const bytesAfterWarmup = tf.memory().numBytes;
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxSteps && (times.length === 0 || performance.now() - start < budgetMs)) {
    const t = performance.now();
    step();
    times.push(performance.now() - t);
    sampleRss();
  }
  const memory: OursMemory = {
    rssPeakMiB: rssPeak / MiB,
    maxRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
    tfLiveMiB: bytesAfterWarmup / MiB,
    tfPeakMiB: profile.peakBytes / MiB,
    tensorsAfterWarmup,
    tensorsEnd: tf.memory().numTensors,
    bytesGrowth: tf.memory().numBytes - bytesAfterWarmup,
    tensorsLeft: 0, // set by the caller once the model is disposed
  };
  dispose();
  return { ms: median(times), steps: times.length, warmupSteps, memory };
}

interface CompareRow {
  model: string;
  batch: number;
  density: number;
  ours: {
    samplesPerSecond: number;
    msPerStep: number;
    steps: number;
    memory: OursMemory;
    /** wasm threads of the best run, and every count tried. */
    threads: number;
    tried: { threads: number; samplesPerSecond: number }[];
  } | null;
  torch: TorchResult | null;
  /** ours / PyTorch samples/s; null without a PyTorch result. */
  ratio: number | null;
  /** Why the row has no numbers (e.g. a `--full`-only case in the quick run). */
  note?: string;
}

/** Per-engine table: every loadable engine, every engine case, density 1. */
async function engineRows(full: boolean, only: string | undefined): Promise<Row[]> {
  const registry = createModelRegistry();
  const rows: Row[] = [];
  for (const engine of ENGINE_ORDER) {
    try {
      await initBackend({ engine, log: () => {} });
    } catch (e) {
      console.log(`${engine}: not available (${(e as Error).message.split('. ')[0]})`);
      continue;
    }
    for (const c of ENGINE_CASES.filter((c) => !only || c.model === only)) {
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
      const before = tf.memory().numTensors;
      const model = createModel(registry.get(c.model), c.options, 0);
      const { ms, steps, memory } = await benchModel(
        model,
        c.batch,
        full ? 60_000 : (c.quickBudgetMs ?? 15_000),
        c.maxSteps ?? 10,
        full ? 10_000 : (c.warmupMs ?? 3_000),
      );
      model.dispose();
      memory.tensorsLeft = tf.memory().numTensors - before;
      if (memory.tensorsLeft !== 0)
        console.warn(`warning: ${engine}/${c.label} left ${memory.tensorsLeft} tensors behind`);
      rows.push({
        engine,
        model: c.label,
        batch: c.batch,
        samplesPerSecond: (c.batch * 1000) / ms,
        msPerStep: ms,
        steps,
        peakRssMiB: memory.rssPeakMiB,
        memory,
      });
    }
  }
  return rows;
}

function printEngineRows(rows: readonly Row[]): void {
  console.log('\ntraining throughput (forward + backward + SGD update, median of timed steps)\n');
  console.log(
    `${'engine'.padEnd(9)}${'model'.padEnd(22)}${'batch'.padStart(6)}${'samples/s'.padStart(12)}${'ms/step'.padStart(10)}${'steps'.padStart(7)}${'RSS MiB'.padStart(9)}${'tf peak MiB'.padStart(13)}${'tensors Δ'.padStart(11)}`,
  );
  for (const r of rows) {
    const sps = r.samplesPerSecond === null ? '—' : fmt(r.samplesPerSecond);
    const ms = r.msPerStep === null ? '—' : r.msPerStep.toFixed(1);
    const m = r.memory;
    console.log(
      `${r.engine.padEnd(9)}${r.model.padEnd(22)}${String(r.batch).padStart(6)}${sps.padStart(12)}${ms.padStart(10)}${String(r.steps).padStart(7)}${(r.peakRssMiB ? r.peakRssMiB.toFixed(0) : '—').padStart(9)}${(m ? m.tfPeakMiB.toFixed(0) : '—').padStart(13)}${(m ? String(m.tensorsEnd - m.tensorsAfterWarmup) : '—').padStart(11)}${r.note ? `  ${r.note}` : ''}`,
    );
  }
}

/**
 * Ours on wasm next to the PyTorch reference: for each case and density, ours then PyTorch
 * (best of 1 and 2 threads), so both see the same machine load as closely as a shared machine
 * allows. Returns [] with the reason printed when wasm cannot load; PyTorch columns are null
 * (reason printed) when /usr/bin/python3 or torch is absent. `--full`-only cases get a row with
 * a note in the quick run.
 */
async function compareRows(
  full: boolean,
  only: string | undefined,
): Promise<{ rows: CompareRow[]; torchSkipped: string | null }> {
  try {
    await initBackend({ engine: 'wasm', log: () => {} });
  } catch (e) {
    console.log(`PyTorch comparison skipped: the wasm backend does not load (${(e as Error).message})`);
    return { rows: [], torchSkipped: null };
  }
  const probe = probeTorch();
  if (!probe.ok) console.log(`PyTorch reference skipped: ${probe.reason}`);
  const registry = createModelRegistry();
  // Both sides at their best of 1 and 2 threads (the machines have 2 cores); a thread count
  // fixed by PRUNEKIT_WASM_THREADS is kept.
  const oursThreadCounts = process.env.PRUNEKIT_WASM_THREADS ? [currentBackend()?.threads ?? 1] : [1, 2];
  const rows: CompareRow[] = [];
  for (const c of COMPARE_CASES.filter((c) => !only || c.model === only)) {
    const budgetMs = full ? 60_000 : (c.quickBudgetMs ?? 15_000);
    const maxSteps = c.maxSteps ?? 10;
    for (const density of DENSITIES) {
      if (c.fullOnly && !full) {
        rows.push({
          model: c.label,
          batch: c.batch,
          density,
          ours: null,
          torch: null,
          ratio: null,
          note: '(--full)',
        });
        continue;
      }
      const warmupMs = full ? 10_000 : (c.warmupMs ?? 3_000);
      // Ours at its best of 1 and 2 wasm threads, as PyTorch below (restarting wasm per count).
      let best:
        | { ms: number; steps: number; warmupSteps: number; memory: OursMemory; threads: number }
        | undefined;
      const oursTried: { threads: number; samplesPerSecond: number }[] = [];
      for (const threads of oursThreadCounts) {
        if (oursThreadCounts.length > 1) await initBackend({ engine: 'wasm', threads, log: () => {} });
        const before = tf.memory().numTensors;
        const model = createModel(registry.get(c.model), c.options, 0);
        const mask = density < 1 ? randomMask(model, density, 1) : undefined;
        const r = await benchModel(model, c.batch, budgetMs, maxSteps, warmupMs, mask);
        model.dispose();
        r.memory.tensorsLeft = tf.memory().numTensors - before;
        const started = currentBackend()?.threads ?? 1;
        oursTried.push({ threads: started, samplesPerSecond: (c.batch * 1000) / r.ms });
        if (!best || r.ms < best.ms) best = { ...r, threads: started };
      }
      const { ms, steps, warmupSteps, memory, threads: oursThreads } = best!;
      const ours = {
        samplesPerSecond: (c.batch * 1000) / ms,
        msPerStep: ms,
        steps,
        memory,
        threads: oursThreads,
        tried: oursTried,
      };
      const torch = probe.ok
        ? bestTorch({
            model: c.model,
            batch: c.batch,
            steps: maxSteps,
            budgetS: budgetMs / 1000,
            density,
            warmup: warmupSteps,
          })
        : null;
      const ratio = torch ? ours.samplesPerSecond / torch.samplesPerSecond : null;
      rows.push({ model: c.label, batch: c.batch, density, ours, torch, ratio });
      console.log(
        `  ${c.label} @ density ${density}: ours ${fmt(ours.samplesPerSecond)} samples/s (${ours.tried.map((t) => `${t.threads}t ${fmt(t.samplesPerSecond)}`).join(', ')}), PyTorch ${torch ? `${fmt(torch.samplesPerSecond)} (${torch.tried?.map((t) => `${t.threads}t ${fmt(t.samplesPerSecond)}`).join(', ')})` : '—'}`,
      );
    }
  }
  return { rows, torchSkipped: probe.ok ? null : probe.reason };
}

function fmt(sps: number): string {
  return sps.toFixed(sps < 10 ? 2 : 0);
}

function mib(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : v.toFixed(0);
}

/** Ours below density 1 against PyTorch's dense step of the same model (issue #7's goal). */
function sparseAgainstDense(
  rows: readonly CompareRow[],
): { model: string; density: number; ours: number; torchDense: number; ratio: number }[] {
  const out: { model: string; density: number; ours: number; torchDense: number; ratio: number }[] = [];
  for (const r of rows) {
    if (r.density >= 1 || !r.ours) continue;
    const dense = rows.find((d) => d.model === r.model && d.density === 1 && d.torch);
    if (!dense?.torch) continue;
    const torchDense = dense.torch.samplesPerSecond;
    out.push({
      model: r.model,
      density: r.density,
      ours: r.ours.samplesPerSecond,
      torchDense,
      ratio: r.ours.samplesPerSecond / torchDense,
    });
  }
  return out;
}

function printCompareRows(rows: readonly CompareRow[], torchSkipped: string | null): void {
  if (rows.length === 0) return;
  const t = rows.find((r) => r.torch)?.torch;
  const torchName = t
    ? `PyTorch ${t.torchVersion}, BLAS ${t.blas.split(', ')[0]}`
    : `PyTorch (absent: ${torchSkipped ?? 'no run succeeded'})`;
  console.log(
    `\nours (wasm) vs ${torchName}; samples/s, median step; each side at its best of 1 and 2 threads\n`,
  );
  console.log(
    `${'model'.padEnd(22)}${'batch'.padStart(6)}${'density'.padStart(9)}${'ours'.padStart(10)}${'threads'.padStart(9)}${'PyTorch'.padStart(10)}${'threads'.padStart(9)}${'ours/PyTorch'.padStart(14)}`,
  );
  for (const r of rows) {
    if (!r.ours) {
      console.log(
        `${r.model.padEnd(22)}${String(r.batch).padStart(6)}${r.density.toFixed(1).padStart(9)}${'—'.padStart(10)}${'—'.padStart(9)}${'—'.padStart(10)}${'—'.padStart(9)}${'—'.padStart(14)}  ${r.note ?? ''}`,
      );
      continue;
    }
    console.log(
      `${r.model.padEnd(22)}${String(r.batch).padStart(6)}${r.density.toFixed(1).padStart(9)}${fmt(r.ours.samplesPerSecond).padStart(10)}${String(r.ours.threads).padStart(9)}${(r.torch ? fmt(r.torch.samplesPerSecond) : '—').padStart(10)}${(r.torch ? String(r.torch.threads) : '—').padStart(9)}${(r.ratio === null ? '—' : r.ratio.toFixed(3)).padStart(14)}`,
    );
  }
  console.log('ours/PyTorch = ours samples/s ÷ PyTorch samples/s: above 1 = ours faster.');
  // Issue #7's per-step goal: ours at low density against PyTorch's dense step.
  const sparseVsDense = sparseAgainstDense(rows);
  if (sparseVsDense.length) {
    console.log('\nours pruned vs PyTorch dense (a pruned step of ours against a dense step of PyTorch):');
    for (const r of sparseVsDense) {
      console.log(
        `  ${r.model} @ density ${r.density}: ours ${fmt(r.ours)} vs PyTorch dense ${fmt(r.torchDense)} samples/s = ${r.ratio.toFixed(3)}`,
      );
    }
  }

  console.log(
    '\npeak memory per case, MiB (ours: one process for all cases, so RSS includes earlier cases; PyTorch: one process per case)\n',
  );
  console.log(
    `${'model'.padEnd(22)}${'density'.padStart(8)}${'ours RSS'.padStart(10)}${'maxRSS'.padStart(8)}${'tf live'.padStart(9)}${'tf peak'.padStart(9)}${'tensors Δ'.padStart(11)}${'bytes Δ'.padStart(9)}${'PyTorch maxRSS'.padStart(16)}${'RSS Δ'.padStart(7)}`,
  );
  for (const r of rows) {
    const m = r.ours?.memory;
    const tr = r.torch;
    const rssDelta =
      tr?.rssEndMiB != null && tr.rssAfterWarmupMiB != null ? tr.rssEndMiB - tr.rssAfterWarmupMiB : null;
    console.log(
      `${r.model.padEnd(22)}${r.density.toFixed(1).padStart(8)}${mib(m?.rssPeakMiB).padStart(10)}${mib(m?.maxRssMiB).padStart(8)}${(m ? m.tfLiveMiB.toFixed(1) : '—').padStart(9)}${(m ? m.tfPeakMiB.toFixed(1) : '—').padStart(9)}${(m ? String(m.tensorsEnd - m.tensorsAfterWarmup) : '—').padStart(11)}${(m ? String(m.bytesGrowth) : '—').padStart(9)}${mib(tr?.maxRssMiB).padStart(16)}${(rssDelta === null ? '—' : rssDelta.toFixed(0)).padStart(7)}${r.ours ? '' : `  ${r.note ?? ''}`}`,
    );
  }
  const grew = rows.filter(
    (r) =>
      r.ours &&
      (r.ours.memory.tensorsEnd !== r.ours.memory.tensorsAfterWarmup ||
        r.ours.memory.bytesGrowth !== 0 ||
        r.ours.memory.tensorsLeft !== 0),
  );
  console.log(
    grew.length === 0
      ? 'tensors Δ / bytes Δ: 0 for every case — no tensor growth across the timed steps, and no tensor left after any case.'
      : `WARNING: tensors grew across the timed steps or were left after the case in ${grew.map((r) => `${r.model} @ ${r.density}`).join(', ')}`,
  );
}

/** Default JSON output: `apps/bench/results/throughput.json` (gitignored). */
const DEFAULT_JSON = fileURLToPath(new URL('../results/throughput.json', import.meta.url));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const full = args.includes('--full');
  const jsonAt = args.indexOf('--json');
  const file = jsonAt >= 0 ? args[jsonAt + 1] : DEFAULT_JSON;
  if (!file) throw new Error('--json needs a file name');
  const modelAt = args.indexOf('--model');
  const only = modelAt >= 0 ? args[modelAt + 1] : undefined;
  const known = COMPARE_CASES.map((c) => c.model);
  if (modelAt >= 0 && (!only || !known.includes(only as TorchCase['model'])))
    throw new Error(`--model needs one of ${known.join(', ')}`);
  const rows = args.includes('--torch-only') ? [] : await engineRows(full, only);
  if (rows.length) printEngineRows(rows);
  const { rows: comparison, torchSkipped } = args.includes('--no-torch')
    ? { rows: [], torchSkipped: null }
    : await compareRows(full, only);
  printCompareRows(comparison, torchSkipped);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, full, torchSkipped, rows, comparison, prunedVsDense: sparseAgainstDense(comparison) }, null, 2)}\n`,
  );
  console.log(`\nwrote ${file}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
