import { join, resolve } from 'node:path';
import { DEBIAN_FASHION_MNIST_DIR, fashionMnistLocation, locateDataDir } from '@prunekit/datasets';
import {
  type MergedRow,
  applyOverrides,
  createPresetRegistry,
  mergeRuns,
  presetRecipe,
  resolveRecipe,
  runDirectory,
  runId,
  runNeuronStudy,
} from '@prunekit/experiment';
import { writeReport } from '@prunekit/report';
import { BACKEND_OPTION, type Command, flag, int, str } from '../args.js';
import type { Context } from '../context.js';
import { table } from '../format.js';
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
    'Finished runs in --out are reused; delete the directory to start over.',
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
    backend: BACKEND_OPTION,
  },
  examples: ['prunekit demo', 'prunekit demo --out /tmp/demo --limit 3000 --rounds 3'],
  positionals: [0, 0],
  async run(p, ctx) {
    const t0 = performance.now();
    const out = resolve(str(p, 'out') ?? 'prunekit-demo');
    const runsDir = join(out, 'runs');
    const limit = int(p, 'limit', 100) ?? DEMO_DEFAULTS.limit;
    const rounds = int(p, 'rounds', 1, 30) ?? DEMO_DEFAULTS.rounds;
    const neuronSeeds = int(p, 'neuron-seeds', 1, 10_000) ?? DEMO_DEFAULTS.neuronSeeds;

    const task = chooseTask(flag(p, 'synthetic'), limit, ctx);
    ctx.info(`prunekit demo → ${out}`);
    ctx.info(`task: ${task.title}`);
    const engine = await ctx.backend(str(p, 'backend'));

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
    const methods = [
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
    for (const [i, m] of methods.entries())
      ctx.info(`  ${i + 1}. ${m.key.padEnd(6)} (${m.preset}): ${m.what}`);

    const results = await runRecipes(
      methods.map((m) => ({
        raw: m.raw,
        source: `demo ${m.key}`,
        meta: { preset: m.preset, sweep: 'demo' },
      })),
      ctx,
      { out: runsDir },
    );
    const trainSeconds = (performance.now() - t0) / 1000;

    const tn = performance.now();
    const studyDir = join(out, 'neuron-study');
    ctx.info(`one-neuron study: d ∈ {1, 2, 5, 10}, ${neuronSeeds} seeds each, balanced init, full-batch GD…`);
    const study = runNeuronStudy({ dims: [1, 2, 5, 10], seeds: neuronSeeds, init: 'balanced' }, studyDir);
    const neuronSeconds = (performance.now() - tn) / 1000;

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
      `time     ${duration(total)} (training ${duration(trainSeconds)}, neuron study ${duration(neuronSeconds)}) on ${engine}`,
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
      backend: engine,
    });
    return 0;
  },
};

interface Task {
  readonly title: string;
  readonly short: string;
  readonly sets: readonly string[];
}

function chooseTask(synthetic: boolean, limit: number, ctx: Context): Task {
  if (!synthetic) {
    try {
      const dir = locateDataDir('fashion-mnist', fashionMnistLocation, undefined, ctx.io.env);
      return {
        title: `Fashion-MNIST from ${dir} (first ${limit} train and ${limit} test images), LeNet-300-100`,
        short: `Fashion-MNIST, ${limit} examples, LeNet-300-100`,
        sets: ['model.name=lenet-300-100', 'dataset.name=fashion-mnist', `dataset.options.limit=${limit}`],
      };
    } catch {
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
