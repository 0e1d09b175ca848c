/**
 * The paper's experiments at CPU scale (issue #9): runs the recipes of `examples/reproductions/`
 * and writes `docs/reproductions.md` with tables, figures and a discussion of each headline claim.
 *
 *   node apps/bench/dist/reproduce.js [--scale smoke|full] [--jobs 2] [--out runs/reproductions] [--docs docs]
 *
 * 1. the one-neuron study (IMP vs LRR success rates per input dimension d);
 * 2. IMP vs LRR vs fine-tuning on Fashion-MNIST with LeNet-300-100 and Conv-4;
 * 3. masks, random masks, signs and sign perturbation on LeNet-300-100.
 *
 * Work is split over `--jobs` worker processes (this script, started again with `--worker`):
 * every worker walks the same list of runs; a run another worker holds (its run directory is
 * locked) is left to it, a finished one is skipped, an interrupted one resumes. So rerunning the
 * same command continues where it stopped, and only the report is rewritten when all is done.
 * Phase 1 runs the IMP/LRR runs that phase 2 reads (masks, signs) and the one-neuron studies.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PrunekitEvent, PruneError, isPruneError, writeFileAtomic } from '@prunekit/core';
import { inferPreset, lockRunDir, runNeuronStudy, runSweep } from '@prunekit/experiment';
import { type EngineRequest, initBackend, parseEngine } from '@prunekit/tensor';
import { writeDocs } from './reproduce/docs.js';
import {
  type Plan,
  type PlannedStudy,
  type Scale,
  buildPlan,
  isDone,
  planPoints,
  stem,
  studyDone,
} from './reproduce/plan.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** `examples/reproductions/` of this repository (the script sits in apps/bench/src or apps/bench/dist). */
const RECIPES = resolve(HERE, '../../../examples/reproductions');

interface Args {
  scale: Scale;
  jobs: number;
  out: string;
  docs: string;
  recipes: string;
  backend: EngineRequest;
  worker?: { phase: 1 | 2; index: number };
  reportOnly: boolean;
}

const HELP = `Usage: node apps/bench/dist/reproduce.js [options]

Runs the reproductions of examples/reproductions/ and writes <docs>/reproductions.md with figures
in <docs>/figures/. Rerunning the same command skips finished runs and resumes interrupted ones.

Options:
  --scale smoke|full   full: the recipe files as written (about 40 min on 2 cores);
                       smoke: tiny data, 2 rounds, 2 seeds (a minute; a plumbing check)  [full]
  --jobs n             worker processes (one per core)                                 [2]
  --out dir            results; runs go to <dir>/<scale>/runs                           [runs/reproductions]
  --docs dir           where reproductions.md and figures/ go        [docs; smoke: <out>/smoke/docs]
  --recipes dir        the recipe files                                [examples/reproductions]
  --backend engine     wasm | cpu | node | auto                                         [wasm]
  --report-only        write the report from the finished runs, run nothing
`;

function parseArgs(argv: readonly string[]): Args {
  const a: Partial<Args> & { docs?: string } = { jobs: 2, out: 'runs/reproductions', scale: 'full' };
  a.recipes = RECIPES;
  a.backend = 'wasm';
  a.reportOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new PruneError('E_USAGE', `${k} needs a value`);
      return x;
    };
    if (k === '--help' || k === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    } else if (k === '--scale') {
      const s = v();
      if (s !== 'smoke' && s !== 'full') throw new PruneError('E_USAGE', `--scale ${s}: use smoke or full`);
      a.scale = s;
    } else if (k === '--jobs') {
      const n = Number(v());
      if (!Number.isInteger(n) || n < 1) throw new PruneError('E_USAGE', '--jobs needs a whole number ≥ 1');
      a.jobs = n;
    } else if (k === '--out') a.out = v();
    else if (k === '--docs') a.docs = v();
    else if (k === '--recipes') a.recipes = resolve(v());
    else if (k === '--backend') a.backend = parseEngine(v(), '--backend');
    else if (k === '--report-only') a.reportOnly = true;
    else if (k === '--worker') {
      const m = /^([12]):(\d+)$/.exec(v());
      if (!m) throw new PruneError('E_USAGE', '--worker takes phase:index, e.g. 1:0');
      a.worker = { phase: Number(m[1]) as 1 | 2, index: Number(m[2]) };
    } else throw new PruneError('E_USAGE', `unknown option ${k}`, { hint: 'see --help' });
  }
  a.docs ??= a.scale === 'smoke' ? join(a.out!, 'smoke', 'docs') : 'docs';
  return a as Args;
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// ---- worker -------------------------------------------------------------------------------------

/** Run a study unless finished or run by another worker (the study directory is locked meanwhile). */
function runStudy(study: PlannedStudy, say: (s: string) => void): void {
  if (studyDone(study)) return;
  let release: (() => void) | undefined;
  try {
    release = lockRunDir(study.dir);
  } catch (e) {
    if (isPruneError(e, 'E_LOCK')) return;
    throw e;
  }
  try {
    if (studyDone(study)) return;
    const t = performance.now();
    say(`one-neuron study (${study.label} init) …`);
    const r = runNeuronStudy(study.options, study.dir);
    const rates = r.rates.map((x) => `d=${x.d} ${x.method} ${(100 * x.successRate).toFixed(0)}%`).join(', ');
    say(`one-neuron study (${study.label} init) done in ${clock((performance.now() - t) / 1000)}: ${rates}`);
  } finally {
    release();
  }
}

async function worker(args: Args, plan: Plan, phase: 1 | 2, index: number): Promise<number> {
  const tag = `[w${index}]`;
  const say = (s: string) => process.stdout.write(`${tag} ${s}\n`);
  await initBackend({ engine: args.backend, log: () => {} });
  if (phase === 1) for (const s of plan.studies) runStudy(s, say);
  const sweeps = plan.sweeps.filter((s) => s.phase === phase).sort((a, b) => b.cost - a.cost);
  let failed = 0;
  for (const s of sweeps) {
    let current = '';
    let started = 0;
    const onEvent = (e: PrunekitEvent) => {
      if (e.type === 'run-start') say(`${current}: start ${e.runId}`);
      else if (e.type === 'round-end') {
        const acc =
          e.testAccuracy === undefined
            ? `loss ${e.testLoss.toPrecision(3)}`
            : `acc ${(100 * e.testAccuracy).toFixed(2)}%`;
        say(`${current} round ${e.round}: ${(100 * e.density).toFixed(1)}% weights, ${acc}`);
      }
    };
    const res = await runSweep(s.sweep, {
      out: plan.runsDir,
      onEvent,
      onPoint: (p, status, detail) => {
        current = `${stem(s.file)} ${inferPreset(p.recipe) ?? ''} seed ${p.recipe.seed}`;
        if (status === 'start') started = performance.now();
        else if (status === 'done') say(`${current}: done in ${clock((performance.now() - started) / 1000)}`);
        else if (status === 'failed')
          say(`${current}: FAILED: ${detail instanceof Error ? detail.message : ''}`);
      },
    });
    failed += res.points.filter((p) => p.status === 'failed').length;
  }
  return failed ? 1 : 0;
}

// ---- main ---------------------------------------------------------------------------------------

function spawnWorker(phase: 1 | 2, index: number, argv: readonly string[], workers: number): Promise<number> {
  const script = process.argv[1]!;
  const child = spawn(
    process.execPath,
    [...process.execArgv, script, ...argv, '--worker', `${phase}:${index}`],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        PRUNEKIT_QUIET_BACKEND: '1',
        // Each worker gets its share of the CPUs for wasm threads (unless the user set it).
        PRUNEKIT_WASM_THREADS:
          process.env.PRUNEKIT_WASM_THREADS ??
          String(Math.max(1, Math.floor(availableParallelism() / workers))),
      },
    },
  );
  return new Promise((res) => {
    child.on('exit', (code, signal) => res(code ?? (signal ? 1 : 0)));
    child.on('error', () => res(1));
  });
}

interface Timing {
  /** Wall seconds of the invocations that ran something, per phase, summed over invocations. */
  phases: Record<string, number>;
  jobs: number;
  backend: string;
}

function readTiming(file: string, args: Args): Timing {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Timing;
  } catch {
    return { phases: {}, jobs: args.jobs, backend: String(args.backend) };
  }
}

async function runPhase(phase: 1 | 2, args: Args, plan: Plan, argv: readonly string[]): Promise<number> {
  const points = planPoints(plan, phase);
  const studies = phase === 1 ? plan.studies : [];
  const todo = points.filter((p) => !isDone(p.dir));
  const studiesTodo = studies.filter((s) => !studyDone(s));
  const cost = todo.reduce((a, p) => a + p.sweep.cost, 0) + studiesTodo.reduce((a, s) => a + s.cost, 0);
  console.log(
    `phase ${phase}: ${points.length} runs (${points.length - todo.length} finished)${studies.length ? `, ${studies.length} one-neuron studies (${studies.length - studiesTodo.length} finished)` : ''}; ` +
      `estimate ${clock(cost / Math.min(args.jobs, Math.max(1, todo.length + studiesTodo.length)))} wall on ${args.jobs} worker${args.jobs > 1 ? 's' : ''}`,
  );
  if (todo.length === 0 && studiesTodo.length === 0) return 0;
  const t = performance.now();
  const ticker = setInterval(() => {
    const done = points.filter((p) => isDone(p.dir)).length;
    console.log(
      `[main] phase ${phase}: ${done}/${points.length} runs finished, ${clock((performance.now() - t) / 1000)} elapsed`,
    );
  }, 60_000);
  const workers = Math.max(1, Math.min(args.jobs, todo.length + studiesTodo.length));
  const codes = await Promise.all(
    Array.from({ length: workers }, (_, i) => spawnWorker(phase, i, argv, workers)),
  );
  clearInterval(ticker);
  const seconds = (performance.now() - t) / 1000;
  const timingFile = join(plan.root, 'timing.json');
  const timing = readTiming(timingFile, args);
  timing.phases[String(phase)] = (timing.phases[String(phase)] ?? 0) + seconds;
  timing.jobs = args.jobs;
  timing.backend = String(args.backend);
  mkdirSync(plan.root, { recursive: true });
  writeFileAtomic(timingFile, `${JSON.stringify(timing, null, 2)}\n`);
  const left = points.filter((p) => !isDone(p.dir));
  const studiesLeft = studies.filter((s) => !studyDone(s));
  console.log(`phase ${phase} took ${clock(seconds)}; ${left.length + studiesLeft.length} left unfinished`);
  if (left.length || studiesLeft.length || codes.some((c) => c !== 0)) {
    for (const p of left)
      console.log(`  unfinished: ${stem(p.sweep.file)} seed ${p.point.recipe.seed}: ${p.dir}`);
    for (const s of studiesLeft) console.log(`  unfinished: one-neuron study ${s.dir}`);
    return 1;
  }
  return 0;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const plan = buildPlan(args.recipes, args.out, args.scale);
  if (args.worker) return worker(args, plan, args.worker.phase, args.worker.index);

  const forward = argv.filter((a) => a !== '--report-only');
  const t = performance.now();
  console.log(
    `reproductions (${args.scale} scale): ${planPoints(plan).length} runs in ${plan.sweeps.length} sweeps, ${plan.studies.length} one-neuron studies → ${plan.root}`,
  );
  if (!args.reportOnly) {
    for (const phase of [1, 2] as const) {
      const code = await runPhase(phase, args, plan, forward);
      if (code !== 0) {
        console.log('some runs did not finish; run the same command again to retry and resume them');
        return 1;
      }
    }
  }
  const timing = existsSync(join(plan.root, 'timing.json'))
    ? readTiming(join(plan.root, 'timing.json'), args)
    : undefined;
  const command = `node apps/bench/dist/reproduce.js --scale ${args.scale} --jobs ${args.jobs} --out ${args.out} --docs ${args.docs}`;
  const docs = await writeDocs(plan, {
    docs: args.docs,
    command,
    jobs: args.jobs,
    backend: String(args.backend),
    ...(timing ? { wallSeconds: timing.phases } : {}),
  });
  console.log(
    `wrote ${docs.markdown} and ${docs.figures.length} figures in ${clock((performance.now() - t) / 1000)}`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const err = e as Error & { hint?: string };
    console.error(`error: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}`);
    process.exit(1);
  },
);
