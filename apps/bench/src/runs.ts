/**
 * Whole short runs, ours vs PyTorch (issues #7/#9): one IMP run and one LRR run on Fashion-MNIST
 * (LeNet-300-100, then Conv-4), 5 pruning rounds of 1 epoch each after the dense round, through
 * `runExperiment` from `@prunekit/experiment` on our side and `py/torch_runs.py` on PyTorch's.
 *
 * Per model it measures
 * 1. each run alone: ours (one worker process running IMP then LRR), PyTorch with 1 thread and
 *    with 2 threads (one process each, IMP then LRR): wall time per run, test accuracy per round,
 *    final density (must be exactly 0.8^5 on both sides);
 * 2. runs per hour with both cores busy: ours as two worker processes at once (IMP ‖ LRR);
 *    PyTorch as two 1-thread processes at once, and as one 2-thread process running both runs
 *    (the better is reported).
 *
 *   node dist/runs.js                quick: 8,000 train / 8,000 test images for LeNet-300-100,
 *                                    Conv-4 on 128 / 128 (≈ 3–4 min on 2 idle cores)
 *   node dist/runs.js --full         the full 60,000 / 10,000 for both models (hours: Conv-4)
 *   node dist/runs.js --only lenet   one model (lenet | conv4)
 *   node dist/runs.js --limit 5000   override the quick data limit (both models)
 *   node dist/runs.js --no-torch     ours only
 *   node dist/runs.js --json f       where to write the JSON (default results/runs-<mode>.json)
 *   node dist/runs.js --keep-runs    keep our run directories (default: a temp dir, removed)
 *
 * Internal: `node dist/runs.js --worker '<json>'` runs recipes in this process and prints one JSON
 * line; the parent spawns it so that ours runs in fresh processes, like the PyTorch side.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RecipeInput, runExperiment } from '@prunekit/experiment';
import { currentBackend, initBackend } from '@prunekit/tensor';
import { type ScriptRun, probeTorch, runTorchScript } from './torch.js';

const DATA_DIR = '/usr/share/datasets/fashion-mnist';
const ROUNDS = 5;
const FRACTION = 0.2;
const EPOCHS = 1;
const BATCH = 128;
const LR = 0.1;
const LR_MIN = 0.01;
const MOMENTUM = 0.9;
const WEIGHT_DECAY = 1e-4;
const EVAL_BATCH = 512;
const METHODS = ['imp', 'lrr'] as const;
type Method = (typeof METHODS)[number];

const THIS_FILE = fileURLToPath(import.meta.url);
const TORCH_RUNS_SCRIPT = fileURLToPath(new URL('../py/torch_runs.py', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** A model of the benchmark with its data limit (undefined = the full 60,000 / 10,000). */
interface Spec {
  readonly key: 'lenet' | 'conv4';
  readonly label: string;
  readonly model: 'lenet-300-100' | 'conv4';
  readonly options: Record<string, unknown>;
  readonly limit: number | undefined;
}

/** What a worker is asked to run. */
interface WorkerInput {
  readonly model: Spec['model'];
  readonly options: Record<string, unknown>;
  readonly limit: number | undefined;
  readonly methods: readonly Method[];
  readonly out: string;
}

/** One round's record, the same fields on both sides. */
interface RoundRow {
  readonly round: number;
  readonly density: number;
  readonly testAccuracy: number;
  readonly testLoss: number;
  readonly seconds: number;
}

/** One whole run. */
interface RunRow {
  readonly method: Method;
  /** From the start of the run (data loading included) to its last evaluation, in-process. */
  readonly seconds: number;
  readonly rounds: readonly RoundRow[];
}

/** One process of either side: its runs and its wall time from spawn to exit. */
interface ProcessResult {
  readonly runs: readonly RunRow[];
  readonly wallSeconds: number;
  /** Our backend, or PyTorch's thread count and BLAS. */
  readonly info: Record<string, unknown>;
}

/**
 * The recipe of one of our runs: the paper's defaults adapted to a short CPU run (SGD momentum
 * 0.9, weight decay 1e-4, batch 128, cosine 0.1 → 0.01 restarted every round, 5 rounds × 1 epoch
 * of global magnitude pruning at 0.2, no warm-up so the IMP anchor is the initialization, no
 * augmentation). IMP = `weight-rewind`, LRR = `lr-rewind`.
 *
 * @example
 * ```ts
 * await runExperiment(benchRecipe('lrr', 'lenet-300-100', {}, 8000), { out: 'runs' });
 * ```
 */
export function benchRecipe(
  method: Method,
  model: Spec['model'],
  options: Record<string, unknown>,
  limit: number | undefined,
): RecipeInput {
  return {
    name: `bench-${method}-${model}`,
    seed: 0,
    model: { name: model, options },
    dataset: {
      name: 'fashion-mnist',
      options: { dir: DATA_DIR, ...(limit === undefined ? {} : { limit }) },
    },
    training: {
      optimizer: { kind: 'sgd', momentum: MOMENTUM, weightDecay: WEIGHT_DECAY, nesterov: false },
      batchSize: BATCH,
      epochs: `${EPOCHS}ep`,
      schedule: { kind: 'cosine', lr: LR, min: LR_MIN },
      augment: false,
      // warm-up: the recipe default ("0it"), so the IMP anchor θ_k is the initialization
    },
    pruning: { rounds: ROUNDS, fraction: FRACTION, strategy: { name: 'magnitude-global' } },
    rewind: { policy: { name: method === 'imp' ? 'weight-rewind' : 'lr-rewind' } },
    evaluation: { batchSize: EVAL_BATCH },
  };
}

// ---- the worker (child process) ---------------------------------------------------------------

async function worker(input: WorkerInput): Promise<void> {
  await initBackend({ log: () => {} });
  const runs: RunRow[] = [];
  for (const method of input.methods) {
    const r = await runExperiment(benchRecipe(method, input.model, input.options, input.limit), {
      out: join(input.out, method),
    });
    runs.push({
      method,
      seconds: r.seconds,
      rounds: r.rounds.map((x) => ({
        round: x.round,
        density: x.density,
        testAccuracy: x.testAccuracy ?? Number.NaN,
        testLoss: x.testLoss,
        seconds: x.seconds ?? Number.NaN,
      })),
    });
  }
  process.stdout.write(`${JSON.stringify({ backend: currentBackend()?.engine ?? 'unknown', runs })}\n`);
}

// ---- spawning both sides ----------------------------------------------------------------------

function lastJsonLine(stdout: string): Record<string, unknown> | null {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    const o: unknown = JSON.parse(line);
    return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function failure(where: string, r: ScriptRun): null {
  const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-4).join(' | ');
  console.log(`${where} failed (${r.error ?? `exit ${r.status ?? r.signal}`}): ${tail.slice(0, 600)}`);
  return null;
}

/** Ours: a fresh Node process running `methods` one after the other. */
function spawnOurs(
  spec: Spec,
  methods: readonly Method[],
  out: string,
  timeoutMs: number,
  /** wasm threads of the process: 'auto' (every CPU) alone, 1 when two processes share the cores. */
  threads: 'auto' | 1 = 'auto',
): Promise<ScriptRun> {
  const input: WorkerInput = { model: spec.model, options: spec.options, limit: spec.limit, methods, out };
  const start = performance.now();
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, THIS_FILE, '--worker', JSON.stringify(input)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PRUNEKIT_WASM_THREADS: String(threads) },
      },
    );
    let stdout = '';
    let stderr = '';
    let error: string | undefined;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const timer = setTimeout(() => {
      error = `killed after the ${timeoutMs} ms time limit`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      error = e.message;
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      done({
        ok: status === 0 && error === undefined,
        status,
        signal,
        stdout,
        stderr,
        wallSeconds: (performance.now() - start) / 1000,
        ...(error === undefined ? {} : { error }),
      });
    });
  });
}

function parseOurs(r: ScriptRun, where: string): ProcessResult | null {
  if (!r.ok) return failure(where, r);
  const o = lastJsonLine(r.stdout);
  if (!o || !Array.isArray(o.runs)) return failure(`${where} printed no result line;`, r);
  return { runs: o.runs as RunRow[], wallSeconds: r.wallSeconds, info: { backend: o.backend } };
}

function torchInput(spec: Spec, methods: readonly Method[], threads: number): string {
  return JSON.stringify({
    model: spec.model,
    methods,
    threads,
    data_dir: DATA_DIR,
    limit: spec.limit ?? null,
    rounds: ROUNDS,
    epochs: EPOCHS,
    batch: BATCH,
    lr: LR,
    lr_min: LR_MIN,
    momentum: MOMENTUM,
    weight_decay: WEIGHT_DECAY,
    fraction: FRACTION,
    eval_batch: EVAL_BATCH,
    seed: 0,
  });
}

/** A number from the script's JSON; null (a NaN there) and anything else non-numeric → NaN. */
function num(v: unknown): number {
  return typeof v === 'number' ? v : Number.NaN;
}

async function runTorchSide(
  spec: Spec,
  methods: readonly Method[],
  threads: number,
  timeoutMs: number,
): Promise<ProcessResult | null> {
  const where = `PyTorch ${spec.label} ${methods.join('+')} (${threads} thread${threads > 1 ? 's' : ''})`;
  const r = await runTorchScript(TORCH_RUNS_SCRIPT, [torchInput(spec, methods, threads)], threads, {
    timeoutMs,
  });
  if (!r.ok) return failure(where, r);
  const o = lastJsonLine(r.stdout);
  if (!o || !Array.isArray(o.runs)) return failure(`${where} printed no result line;`, r);
  const runs = (o.runs as Record<string, unknown>[]).map(
    (x): RunRow => ({
      method: x.method as Method,
      seconds: Number(x.seconds),
      rounds: (x.rounds as Record<string, unknown>[]).map((y) => ({
        round: Number(y.round),
        density: Number(y.density),
        testAccuracy: num(y.test_accuracy),
        testLoss: num(y.test_loss), // null when the run diverged (NaN loss)
        seconds: num(y.seconds),
      })),
    }),
  );
  return {
    runs,
    wallSeconds: r.wallSeconds,
    info: { threads: o.threads, torchVersion: o.torch_version, blas: o.blas },
  };
}

// ---- measuring and printing -------------------------------------------------------------------

interface ModelReport {
  readonly spec: Spec;
  readonly train: number;
  readonly test: number;
  readonly alone: {
    readonly ours: ProcessResult | null;
    readonly torch1: ProcessResult | null;
    readonly torch2: ProcessResult | null;
  };
  readonly parallel: {
    /** Ours: two worker processes at once (IMP ‖ LRR). */
    readonly ours: { readonly wallSeconds: number; readonly runs: readonly RunRow[] } | null;
    /** PyTorch: two 1-thread processes at once (IMP ‖ LRR). */
    readonly torch1x2: { readonly wallSeconds: number; readonly runs: readonly RunRow[] } | null;
  };
  readonly runsPerHour: {
    readonly ours: number | null;
    readonly torchTwoProcesses: number | null;
    readonly torchOneProcessTwoThreads: number | null;
    readonly torchBest: number | null;
    readonly torchBestHow: string | null;
  };
  readonly loadAverage: { readonly start: number; readonly end: number };
}

function pairOf(
  a: ProcessResult | null,
  b: ProcessResult | null,
): { wallSeconds: number; runs: RunRow[] } | null {
  if (!a || !b) return null;
  return { wallSeconds: Math.max(a.wallSeconds, b.wallSeconds), runs: [...a.runs, ...b.runs] };
}

async function measure(spec: Spec, withTorch: boolean, out: string, timeoutMs: number): Promise<ModelReport> {
  const load0 = loadavg()[0]!;
  const tag = `${spec.label}${spec.limit === undefined ? '' : ` (limit ${spec.limit})`}`;
  const note = (s: string) => console.log(`  [${new Date().toISOString().slice(11, 19)}] ${tag}: ${s}`);

  note('ours alone (IMP then LRR, one process)');
  const ours = parseOurs(
    await spawnOurs(spec, METHODS, join(out, `${spec.key}-alone`), timeoutMs),
    `ours ${spec.label} alone`,
  );
  let torch1: ProcessResult | null = null;
  let torch2: ProcessResult | null = null;
  if (withTorch) {
    note('PyTorch alone, 1 thread');
    torch1 = await runTorchSide(spec, METHODS, 1, timeoutMs);
    note('PyTorch alone, 2 threads');
    torch2 = await runTorchSide(spec, METHODS, 2, timeoutMs);
  }
  note('ours, two processes at once');
  const [pi, pl] = await Promise.all([
    spawnOurs(spec, ['imp'], join(out, `${spec.key}-par-imp`), timeoutMs, 1),
    spawnOurs(spec, ['lrr'], join(out, `${spec.key}-par-lrr`), timeoutMs, 1),
  ]);
  const oursPar = pairOf(
    parseOurs(pi, `ours ${spec.label} IMP (parallel)`),
    parseOurs(pl, `ours ${spec.label} LRR (parallel)`),
  );
  let torchPar: { wallSeconds: number; runs: RunRow[] } | null = null;
  if (withTorch) {
    note('PyTorch, two 1-thread processes at once');
    const [ti, tl] = await Promise.all([
      runTorchSide(spec, ['imp'], 1, timeoutMs),
      runTorchSide(spec, ['lrr'], 1, timeoutMs),
    ]);
    torchPar = pairOf(ti, tl);
  }
  const perHour = (runs: number, wall: number | undefined) =>
    wall === undefined || wall <= 0 ? null : (runs * 3600) / wall;
  const rOurs = perHour(2, oursPar?.wallSeconds);
  const rTwoProc = perHour(2, torchPar?.wallSeconds);
  const rOneProc = perHour(2, torch2?.wallSeconds);
  const torchBest = rTwoProc === null && rOneProc === null ? null : Math.max(rTwoProc ?? 0, rOneProc ?? 0);
  const torchBestHow =
    torchBest === null
      ? null
      : (rTwoProc ?? 0) >= (rOneProc ?? 0)
        ? '2 processes × 1 thread'
        : '1 process × 2 threads';
  return {
    spec,
    train: spec.limit === undefined ? 60_000 : Math.min(60_000, spec.limit),
    test: spec.limit === undefined ? 10_000 : Math.min(10_000, spec.limit),
    alone: { ours, torch1, torch2 },
    parallel: { ours: oursPar, torch1x2: torchPar },
    runsPerHour: {
      ours: rOurs,
      torchTwoProcesses: rTwoProc,
      torchOneProcessTwoThreads: rOneProc,
      torchBest,
      torchBestHow,
    },
    loadAverage: { start: load0, end: loadavg()[0]! },
  };
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
const fmt = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

function runOf(p: ProcessResult | null, m: Method): RunRow | undefined {
  return p?.runs.find((r) => r.method === m);
}

function accuracies(r: RunRow | undefined): string {
  return r ? r.rounds.map((x) => (100 * x.testAccuracy).toFixed(1)).join(' ') : '—';
}

function finalDensity(r: RunRow | undefined): number | undefined {
  return r?.rounds[r.rounds.length - 1]?.density;
}

function printReport(reports: readonly ModelReport[], mode: string, torchInfo: string): void {
  const backend = reports.map((r) => r.alone.ours?.info.backend).find((b) => typeof b === 'string') ?? '?';
  console.log('');
  console.log(
    `Whole runs, ours (${backend}, runExperiment) vs ${torchInfo}; ${ROUNDS} rounds × ${EPOCHS} epoch after the dense round, ` +
      `SGD momentum ${MOMENTUM}, wd ${WEIGHT_DECAY}, batch ${BATCH}, cosine ${LR} → ${LR_MIN}, prune ${FRACTION} global magnitude (${mode})`,
  );
  for (const rep of reports) {
    const { spec } = rep;
    console.log('');
    console.log(
      `${spec.label} on Fashion-MNIST, ${rep.train.toLocaleString('en-US')} train / ${rep.test.toLocaleString('en-US')} test images` +
        `${spec.limit === undefined ? ' (full)' : ` (data limit ${spec.limit})`}; load average ${rep.loadAverage.start.toFixed(1)} → ${rep.loadAverage.end.toFixed(1)}`,
    );
    console.log(
      `${pad('run', 5)}${lpad('ours s', 9)}${lpad('PT 1t s', 9)}${lpad('PT 2t s', 9)}${lpad('ours/PT', 9)}  ${pad('final density ours / PT', 26)}test accuracy % per round 0…${ROUNDS} (ours | PyTorch 1t)`,
    );
    for (const m of METHODS) {
      const o = runOf(rep.alone.ours, m);
      const t1 = runOf(rep.alone.torch1, m);
      const t2 = runOf(rep.alone.torch2, m);
      const bestPt = Math.min(
        t1?.seconds ?? Number.POSITIVE_INFINITY,
        t2?.seconds ?? Number.POSITIVE_INFINITY,
      );
      const ratio = o && Number.isFinite(bestPt) ? o.seconds / bestPt : null;
      const dO = finalDensity(o);
      const dT = finalDensity(t1) ?? finalDensity(t2);
      const dens =
        dO === undefined
          ? '—'
          : `${dO.toFixed(4)} / ${dT === undefined ? '—' : dT.toFixed(4)}${dT === undefined ? '' : dO === dT ? ' ✓' : ' ✗'}`;
      console.log(
        `${pad(m.toUpperCase(), 5)}${lpad(fmt(o?.seconds), 9)}${lpad(fmt(t1?.seconds), 9)}${lpad(fmt(t2?.seconds), 9)}${lpad(fmt(ratio, 2), 9)}  ${pad(dens, 26)}${accuracies(o)} | ${accuracies(t1)}`,
      );
    }
    const r = rep.runsPerHour;
    console.log(
      `runs/hour, both cores busy: ours ${fmt(r.ours)} (2 processes, pair in ${fmt(rep.parallel.ours?.wallSeconds)} s)` +
        ` · PyTorch ${fmt(r.torchBest)} (${r.torchBestHow ?? '—'}; 2 × 1 thread: ${fmt(r.torchTwoProcesses)}, 1 × 2 threads: ${fmt(r.torchOneProcessTwoThreads)})` +
        ` · ours/PyTorch ${r.ours !== null && r.torchBest ? (r.ours / r.torchBest).toFixed(3) : '—'}`,
    );
  }
  console.log('');
  console.log(
    'ours s / PT s: one run alone, in-process (data loading to last evaluation; ours also writes its run directory,\n' +
      'checkpoints every epoch and tracks signs). ours/PT: ours s ÷ the faster PyTorch (above 1 = we are slower).\n' +
      'runs/hour: 2 runs × 3600 ÷ wall time from spawn to exit of the pair (start-up included); ours/PyTorch below 1 = we are slower.',
  );
}

// ---- main -------------------------------------------------------------------------------------

function argValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
  return v;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const workerJson = argValue(args, '--worker');
  if (workerJson !== undefined) {
    await worker(JSON.parse(workerJson) as WorkerInput);
    return;
  }
  const full = args.includes('--full');
  const withTorchWanted = !args.includes('--no-torch');
  const only = argValue(args, '--only');
  if (only !== undefined && only !== 'lenet' && only !== 'conv4') {
    throw new Error(`--only ${only}: expected lenet or conv4`);
  }
  const limitArg = argValue(args, '--limit');
  const limitOverride = limitArg === undefined ? undefined : Number(limitArg);
  if (limitOverride !== undefined && !(Number.isInteger(limitOverride) && limitOverride > 0)) {
    throw new Error(`--limit ${limitArg}: expected a whole number of images > 0`);
  }
  const mode = full ? 'full' : 'quick';
  const jsonPath = argValue(args, '--json') ?? join(RESULTS_DIR, `runs-${mode}.json`);
  const keep = args.includes('--keep-runs');

  const specs: Spec[] = [
    {
      key: 'lenet',
      label: 'LeNet-300-100',
      model: 'lenet-300-100',
      options: {},
      limit: full ? undefined : (limitOverride ?? 8_000),
    },
    {
      key: 'conv4',
      label: 'Conv-4',
      model: 'conv4',
      options: { inputShape: [28, 28, 1], classes: 10 },
      limit: full ? undefined : (limitOverride ?? 128),
    },
  ].filter((s) => only === undefined || s.key === only) as Spec[];

  let withTorch = withTorchWanted;
  let torchInfo = 'PyTorch (skipped)';
  if (withTorch) {
    const p = probeTorch();
    if (!p.ok) {
      console.log(`PyTorch reference skipped: ${p.reason}`);
      withTorch = false;
    } else torchInfo = `PyTorch ${p.version}`;
  }
  const out = mkdtempSync(join(tmpdir(), 'prunekit-bench-runs-'));
  const timeoutMs = full ? 24 * 3600_000 : 30 * 60_000;
  const t0 = performance.now();
  const reports: ModelReport[] = [];
  try {
    for (const spec of specs) reports.push(await measure(spec, withTorch, out, timeoutMs));
  } finally {
    if (keep) console.log(`our run directories: ${out}`);
    else rmSync(out, { recursive: true, force: true });
  }
  const blas = reports.map((r) => r.alone.torch1?.info.blas).find((b) => typeof b === 'string');
  if (typeof blas === 'string') torchInfo += `, BLAS ${blas.split(',')[0]?.split('/').slice(-2).join('/')}`;
  printReport(reports, mode, torchInfo);
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(
    jsonPath,
    `${JSON.stringify(
      {
        benchmark: 'runs',
        date: new Date().toISOString(),
        mode,
        machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
        torch: torchInfo,
        settings: {
          dataset: 'fashion-mnist',
          dataDir: DATA_DIR,
          rounds: ROUNDS,
          epochsPerRound: EPOCHS,
          batch: BATCH,
          lr: LR,
          lrMin: LR_MIN,
          momentum: MOMENTUM,
          weightDecay: WEIGHT_DECAY,
          fraction: FRACTION,
          evalBatch: EVAL_BATCH,
          warmup: '0it (recipe default; IMP anchor = init)',
          augment: false,
        },
        recipes: Object.fromEntries(
          specs.flatMap((s) =>
            METHODS.map((m) => [`${s.key}-${m}`, benchRecipe(m, s.model, s.options, s.limit)]),
          ),
        ),
        models: reports,
        seconds: (performance.now() - t0) / 1000,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`JSON written to ${jsonPath}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
