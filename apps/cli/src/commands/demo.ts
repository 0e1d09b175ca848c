import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEBIAN_FASHION_MNIST_DIR, fashionMnistLocation, locateDataDir } from '@prunekit/datasets';
import {
  type MergedRow,
  type NeuronStudyResult,
  RUN_FILES,
  type RoundMetrics,
  applyOverrides,
  createPresetRegistry,
  mergeRuns,
  presetRecipe,
  resolveRecipe,
  runDirectory,
  runId,
  runNeuronStudy,
} from '@prunekit/experiment';
import { PruneError } from '@prunekit/core';
import { writeReport } from '@prunekit/report';
import { BACKEND_OPTION, type Command, type Parsed, flag, int, str } from '../args.js';
import type { Context } from '../context.js';
import { table } from '../format.js';
import {
  JOBS_OPTION,
  WORKER_OPTION,
  jobCount,
  jobLine,
  parseJobs,
  runWorkers,
  watchParent,
  workerFailure,
} from '../jobs.js';
import { duration, pct } from '../progress.js';
import { runRecipes } from './run.js';

/** The demo's defaults: sized for about two minutes on two cores (see README, "prunekit demo"). */
export const DEMO_DEFAULTS = { limit: 12_000, rounds: 5, fraction: 0.5, neuronSeeds: 50 } as const;

export const demoCommand: Command = {
  name: 'demo',
  args: '',
  summary:
    'compare LRR, IMP and a random-mask control on a small built-in task, plus the one-neuron study, and write the report',
  details: [
    'No download: Fashion-MNIST from $PRUNEKIT_DATA_DIR or /usr/share/datasets/fashion-mnist (the first',
    `--limit examples, default ${DEMO_DEFAULTS.limit}) with LeNet-300-100 if present, else a synthetic Gaussian-mixture task`,
    `with an MLP. ${DEMO_DEFAULTS.rounds} rounds of 1 epoch, ${DEMO_DEFAULTS.fraction * 100}% pruned per round (density ${pct((1 - DEMO_DEFAULTS.fraction) ** DEMO_DEFAULTS.rounds)} at the end), after a`,
    '1-epoch dense warm-up (the IMP rewind anchor). The random control keeps, per layer, as many',
    "weights as LRR's mask, at random positions, and trains like LRR. Then the one-hidden-neuron",
    'study (IMP vs LRR success rates over seeds and input dimensions) and the HTML report.',
    'Finished runs in --out are reused; delete the directory to start over. With --jobs n (default:',
    'one per core) the runs and the study are spread over n worker processes (LRR and then the random',
    'control in one, IMP and the study in another); the outputs are the same as with --jobs 1.',
  ],
  options: {
    out: {
      type: 'string',
      value: 'dir',
      description: 'where runs, study and report go (default: ./prunekit-demo)',
    },
    limit: {
      type: 'string',
      value: 'n',
      description: `training examples (Fashion-MNIST: per split; default ${DEMO_DEFAULTS.limit})`,
    },
    rounds: { type: 'string', value: 'n', description: `pruning rounds (default ${DEMO_DEFAULTS.rounds})` },
    'neuron-seeds': {
      type: 'string',
      value: 'n',
      description: `seeds per dimension of the one-neuron study (default ${DEMO_DEFAULTS.neuronSeeds})`,
    },
    synthetic: {
      type: 'boolean',
      description: 'use the synthetic Gaussian-mixture task even if Fashion-MNIST is installed',
    },
    jobs: JOBS_OPTION,
    backend: BACKEND_OPTION,
    worker: WORKER_OPTION,
  },
  examples: ['prunekit demo', 'prunekit demo --out /tmp/demo --limit 3000 --rounds 3 --jobs 1'],
  positionals: [0, 0],
  async run(p, ctx) {
    const t0 = performance.now();
    const out = resolve(str(p, 'out') ?? 'prunekit-demo');
    const runsDir = join(out, 'runs');
    const limit = int(p, 'limit', 100) ?? DEMO_DEFAULTS.limit;
    const rounds = int(p, 'rounds', 1, 30) ?? DEMO_DEFAULTS.rounds;
    const neuronSeeds = int(p, 'neuron-seeds', 1, 10_000) ?? DEMO_DEFAULTS.neuronSeeds;

    const worker = str(p, 'worker');
    const task = chooseTask(flag(p, 'synthetic'), limit, ctx, worker === undefined);
    if (worker === undefined) {
      ctx.info(`prunekit demo → ${out}`);
      ctx.info(`task: ${task.title}`);
    }

    const common = [
      ...task.sets,
      `pruning.rounds=${rounds}`,
      `pruning.fraction=${DEMO_DEFAULTS.fraction}`,
      'training.epochs=1ep',
      'training.warmup=1ep',
    ];
    const presets = createPresetRegistry();
    const recipeOf = (preset: string, extra: string[] = []) =>
      applyOverrides(presetRecipe(presets.get(preset)), [...common, ...extra]);
    const lrr = recipeOf('lrr');
    const lrrDir = runDirectory(runsDir, runId(resolveRecipe(lrr, 'demo lrr')));
    const methods: readonly Method[] = [
      {
        key: 'LRR',
        preset: 'lrr',
        raw: lrr,
        what: 'learning-rate rewinding: keep the trained weights, restart the LR schedule',
      },
      {
        key: 'IMP',
        preset: 'imp',
        raw: recipeOf('imp'),
        what: 'weight rewinding to the end of the warm-up, restart the LR schedule',
      },
      {
        key: 'random',
        preset: 'random-matched-lrr',
        raw: recipeOf('random-matched-lrr', [`pruning.strategy.options.reference=${lrrDir}`]),
        what: "random mask with LRR's per-layer counts, trained like LRR",
      },
    ];
    const item = (m: Method) => ({
      raw: m.raw,
      source: `demo ${m.key}`,
      meta: { preset: m.preset, sweep: 'demo' },
    });
    const studyDir = join(out, 'neuron-study');
    const studyOptions = { dims: [1, 2, 5, 10], seeds: neuronSeeds, init: 'balanced' as const };
    const studyText = `one-neuron study: d ∈ {1, 2, 5, 10}, ${neuronSeeds} seeds each, balanced init, full-batch GD…`;

    if (worker !== undefined) {
      // A worker of `--jobs`: run the listed methods (and/or the study) in this process.
      watchParent();
      const engine = await ctx.backend(str(p, 'backend'));
      const runs: DemoRun[] = [];
      let neuronSeconds: number | undefined;
      for (const key of worker.split(',')) {
        const m = methods.find((x) => x.key === key);
        if (m) {
          jobLine(ctx, 'start', `${m.key} (${m.preset})`);
          const [r] = await runRecipes([item(m)], ctx, { out: runsDir });
          runs.push({ key: m.key, runId: r!.runId, dir: r!.dir, rounds: r!.rounds });
          jobLine(ctx, r!.skipped ? 'skipped' : 'done', `${m.key} (${m.preset})`);
        } else if (key === 'neuron') {
          jobLine(ctx, 'start', studyText);
          const tn = performance.now();
          runNeuronStudy(studyOptions, studyDir);
          neuronSeconds = (performance.now() - tn) / 1000;
          jobLine(ctx, 'done', studyText);
        }
      }
      ctx.result('', { runs, backend: engine, ...(neuronSeconds === undefined ? {} : { neuronSeconds }) });
      return 0;
    }

    // LRR before the random control (it reads LRR's masks); IMP and the study are independent.
    const finished = (m: Method) =>
      existsSync(join(runDirectory(runsDir, runId(resolveRecipe(m.raw, `demo ${m.key}`))), RUN_FILES.done));
    const chains = [
      { keys: ['LRR', 'random'], cost: methods.filter((m) => m.key !== 'IMP' && !finished(m)).length },
      { keys: ['IMP'], cost: finished(methods[1]!) ? 0 : 1 },
      { keys: ['neuron'], cost: 1 },
    ];
    const jobs = jobCount(parseJobs(p), chains.filter((c) => c.cost > 0).length);

    const engineHere = jobs <= 1 ? await ctx.backend(str(p, 'backend')) : undefined;
    for (const [i, m] of methods.entries())
      ctx.info(`  ${i + 1}. ${m.key.padEnd(6)} (${m.preset}): ${m.what}`);

    let results: DemoRun[];
    let study: Pick<NeuronStudyResult, 'rates'>;
    let engine: string;
    let trainSeconds: number;
    let neuronSeconds: number;
    if (engineHere !== undefined) {
      engine = engineHere;
      const rs = await runRecipes(methods.map(item), ctx, { out: runsDir });
      results = rs.map((r, i) => ({ key: methods[i]!.key, runId: r.runId, dir: r.dir, rounds: r.rounds }));
      trainSeconds = (performance.now() - t0) / 1000;
      const tn = performance.now();
      ctx.info(studyText);
      study = runNeuronStudy(studyOptions, studyDir);
      neuronSeconds = (performance.now() - tn) / 1000;
    } else {
      const parallel = await runInWorkers(p, ctx, { out, limit, rounds, neuronSeeds, task, chains, jobs });
      engine = parallel.engine;
      results = methods.map((m) => {
        const r = parallel.runs.find((x) => x.key === m.key);
        if (!r) throw new PruneError('E_INTERNAL', `no worker reported the ${m.key} run`);
        return r;
      });
      trainSeconds = (performance.now() - t0) / 1000;
      neuronSeconds = parallel.neuronSeconds;
      study = JSON.parse(readFileSync(join(studyDir, 'neuron-study.json'), 'utf8')) as Pick<
        NeuronStudyResult,
        'rates'
      >;
    }

    const merged = mergeRuns(
      results.map((r) => r.dir),
      { out: join(out, 'results') },
    );
    const comparison = comparisonTable(
      merged.rows,
      methods.map((m) => ({ key: m.key, dir: results[methods.indexOf(m)]!.dir })),
    );
    const dims = [...new Set(study.rates.map((r) => r.d))];
    const rate = (d: number, m: 'imp' | 'lrr') =>
      study.rates.find((r) => r.d === d && r.method === m)?.successRate ?? Number.NaN;
    const neuronTable = table(
      ['d', 'IMP success', 'LRR success'],
      dims.map((d) => [String(d), pct(rate(d, 'imp')), pct(rate(d, 'lrr'))]),
    );

    let reportPath: string | undefined;
    try {
      const rep = await writeReport(
        results.map((r) => r.dir),
        {
          out: join(out, 'report.html'),
          title: `prunekit demo: LRR vs IMP vs random masks (${task.short})`,
          studyDirs: [studyDir],
          // Name the groups after the methods rather than their recipe differences.
          label: (run) => {
            const i = results.findIndex((r) => resolve(r.dir) === resolve(run.dir));
            return i >= 0 ? `${methods[i]!.key} (${methods[i]!.preset})` : run.runId;
          },
        },
      );
      reportPath = rep.html;
      for (const w of rep.warnings) ctx.warn(w);
    } catch (e) {
      ctx.warn(`the HTML report could not be written: ${e instanceof Error ? e.message : String(e)}`);
    }
    const total = (performance.now() - t0) / 1000;
    const text = [
      '',
      `Test accuracy per round (${task.short}; density = fraction of prunable weights kept):`,
      comparison,
      '',
      'One hidden neuron, pruned to w₁ (success = test MSE < 1e-3):',
      neuronTable,
      '',
      `runs     ${runsDir}`,
      `results  ${join(out, 'results', 'merged.csv')}`,
      `study    ${studyDir}`,
      ...(reportPath ? [`report   ${reportPath}`] : []),
      jobs <= 1
        ? `time     ${duration(total)} (training ${duration(trainSeconds)}, neuron study ${duration(neuronSeconds)}) on ${engine}`
        : `time     ${duration(total)} (training and neuron study in ${jobs} worker processes ${duration(trainSeconds)}, of which the neuron study ${duration(neuronSeconds)}) on ${engine}`,
    ].join('\n');
    ctx.result(text, {
      task: task.short,
      out,
      runs: results.map((r, i) => ({
        method: methods[i]!.key,
        preset: methods[i]!.preset,
        runId: r.runId,
        dir: r.dir,
        rounds: r.rounds,
      })),
      neuron: study.rates,
      report: reportPath ?? null,
      seconds: { total, training: trainSeconds, neuronStudy: neuronSeconds },
      jobs,
      backend: engine,
    });
    return 0;
  },
};

interface Task {
  readonly title: string;
  readonly short: string;
  readonly sets: readonly string[];
  readonly synthetic: boolean;
}

interface Method {
  readonly key: string;
  readonly preset: string;
  readonly raw: Record<string, unknown>;
  readonly what: string;
}

/** One finished demo run, as the report and the tables need it. */
interface DemoRun {
  readonly key: string;
  readonly runId: string;
  readonly dir: string;
  readonly rounds: readonly RoundMetrics[];
}

/**
 * `--jobs n`: deal the chains (LRR → random, IMP, the study) to `n` workers, most work first,
 * each to the least loaded worker; every worker runs `demo … --worker <keys>`.
 */
async function runInWorkers(
  p: Parsed,
  ctx: Context,
  o: {
    out: string;
    limit: number;
    rounds: number;
    neuronSeeds: number;
    task: Task;
    chains: readonly { keys: readonly string[]; cost: number }[];
    jobs: number;
  },
): Promise<{ runs: DemoRun[]; engine: string; neuronSeconds: number }> {
  const lists: { keys: string[]; cost: number }[] = Array.from({ length: o.jobs }, () => ({
    keys: [],
    cost: 0,
  }));
  for (const c of [...o.chains].sort((a, b) => b.cost - a.cost)) {
    const least = lists.reduce((a, b) => (b.cost < a.cost ? b : a));
    least.keys.push(...c.keys);
    least.cost += c.cost;
  }
  const used = lists.filter((l) => l.keys.length);
  ctx.info(
    `in ${used.length} worker processes: ${used.map((l, i) => `[${i + 1}] ${l.keys.join(' → ')}`).join(', ')}`,
  );
  const backend = str(p, 'backend');
  const outcomes = await runWorkers(
    ctx,
    used.map((l) => ({
      args: [
        'demo',
        '--out',
        o.out,
        '--limit',
        String(o.limit),
        '--rounds',
        String(o.rounds),
        '--neuron-seeds',
        String(o.neuronSeeds),
        ...(o.task.synthetic ? ['--synthetic'] : []),
        ...(backend ? ['--backend', backend] : []),
        '--worker',
        l.keys.join(','),
        '--json',
      ],
      units: l.keys.length,
    })),
    { stopOnFailure: true },
  );
  const err = workerFailure(outcomes);
  if (err) throw err;
  const results = outcomes.map(
    (w) => (w.result ?? {}) as { runs?: DemoRun[]; backend?: string; neuronSeconds?: number },
  );
  return {
    runs: results.flatMap((r) => r.runs ?? []),
    engine: results.find((r) => r.backend)?.backend ?? 'unknown',
    neuronSeconds: results.find((r) => r.neuronSeconds !== undefined)?.neuronSeconds ?? Number.NaN,
  };
}

function chooseTask(synthetic: boolean, limit: number, ctx: Context, say = true): Task {
  if (!synthetic) {
    try {
      const dir = locateDataDir('fashion-mnist', fashionMnistLocation, undefined, ctx.io.env);
      return {
        title: `Fashion-MNIST from ${dir} (first ${limit} train and ${limit} test images), LeNet-300-100`,
        short: `Fashion-MNIST, ${limit} examples, LeNet-300-100`,
        sets: ['model.name=lenet-300-100', 'dataset.name=fashion-mnist', `dataset.options.limit=${limit}`],
        synthetic: false,
      };
    } catch {
      if (say)
        ctx.info(
          `Fashion-MNIST is not installed (looked in $PRUNEKIT_DATA_DIR and ${DEBIAN_FASHION_MNIST_DIR}); using the synthetic task`,
        );
    }
  }
  const test = Math.max(50, Math.round(limit / 2));
  return {
    title: `synthetic Gaussian mixture (built in: 8 classes in 64 dimensions, ${limit} train / ${test} test points), MLP 64-256-128-8`,
    short: 'synthetic Gaussian mixture, MLP 64-256-128-8',
    sets: [
      'model.name=mlp',
      'model.options={inputShape: [64], hidden: [256, 128], classes: 8}',
      'dataset.name=gaussian-mixture',
      `dataset.options={classes: 8, dims: 64, separation: 2.5, trainSize: ${limit}, testSize: ${test}}`,
    ],
    synthetic: true,
  };
}

/** Round × method table of test accuracy, with each round's density. */
function comparisonTable(
  rows: readonly MergedRow[],
  methods: readonly { key: string; dir: string }[],
): string {
  const rounds = [...new Set(rows.map((r) => r.round))].sort((a, b) => a - b);
  const cell = (dir: string, round: number) => {
    const r = rows.find((x) => resolve(x.dir) === resolve(dir) && x.round === round);
    return r?.testAccuracy === undefined ? '–' : pct(r.testAccuracy);
  };
  return table(
    ['round', 'density', ...methods.map((m) => m.key)],
    rounds.map((round) => [
      String(round),
      pct(rows.find((r) => r.round === round)?.density ?? Number.NaN),
      ...methods.map((m) => cell(m.dir, round)),
    ]),
  );
}
