import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ModelSnapshot, PruneError, type Weights } from '@prunekit/core';
import {
  RUN_FILES,
  createRegistries,
  openRun,
  readJson,
  resolveRecipe,
  roundFile,
  writeJson,
} from '@prunekit/experiment';
import { createModel } from '@prunekit/models';
import { saveSafetensors } from '@prunekit/tensor';
import { BACKEND_OPTION, type Command, int, str } from '../args.js';
import { table } from '../format.js';
import { flattenInput, saveLayersModel, toLayersModel } from '../export/layers-model.js';
import { sparseSize } from '../export/sparse-size.js';
import { torchLayout } from '../export/torch-layout.js';
import { pct } from '../progress.js';

export const exportCommand: Command = {
  name: 'export',
  args: '<run-dir>',
  summary: 'export the pruned network of a round as a plain TensorFlow.js model or as safetensors',
  details: [
    'The trained weights of the round (default: the last trained one), pruned weights exactly zero.',
    '--format tfjs (default): model.json + weights.bin in the tfjs layers format; loads with',
    '  tf.loadLayersModel("file://…/model.json") (tfjs-node) or tf.io.fromMemory, no prunekit code.',
    '  Supported: mlp, lenet-300-100, conv2/4/6, vgg11/16, single-neuron (ResNets: use safetensors).',
    '--format safetensors: model.safetensors with PyTorch conventions: dense weights transposed to',
    '  [out, in], conv weights to [out, in, kh, kw], batch-norm gamma/beta as weight/bias,',
    '  running_mean/running_var as they are; names as in prunekit (fc1.weight, layer1.0.conv1.weight);',
    "  a dense layer after a flatten gets its inputs reordered from (h, w, c) to PyTorch's (c, h, w).",
    'Both write export.json: non-zeros, and bytes dense (float32) vs CSR-like sparse storage.',
  ],
  options: {
    round: {
      type: 'string',
      value: 'r',
      description: 'the round to export (default: the last one with trained weights)',
    },
    format: { type: 'string', value: 'tfjs|safetensors', description: 'output format (default: tfjs)' },
    out: {
      type: 'string',
      value: 'dir',
      description: 'output directory (default: <run-dir>/export/round-<r>-<format>)',
    },
    backend: BACKEND_OPTION,
  },
  examples: [
    'prunekit export runs/lenet-300-100.fashion-mnist.lr-rewind-3f9a0c1d2e --format tfjs --out lenet-sparse',
  ],
  positionals: [1, 1],
  async run(p, ctx) {
    const dir = p.positionals[0]!;
    const format = str(p, 'format') ?? 'tfjs';
    if (format !== 'tfjs' && format !== 'safetensors') {
      throw new PruneError(
        'E_USAGE',
        `prunekit export: unknown --format '${format}'; known: tfjs, safetensors`,
      );
    }
    const run = openRun(dir);
    const stored = readJson<{ runId: string; recipe: unknown }>(join(dir, RUN_FILES.recipe), 'recipe');
    const recipe = resolveRecipe(stored.recipe, join(dir, RUN_FILES.recipe));
    const last = run.lastRound();
    let round = int(p, 'round', 0);
    if (round === undefined) {
      round = last;
      while (round >= 0 && !existsSync(roundFile(run.dir, round, 'trained'))) round--;
      if (round < 0)
        throw new PruneError('E_REFERENCE', `run ${dir} has no trained round yet`, {
          hint: `resume it first: prunekit resume ${dir}`,
          where: dir,
        });
    } else if (!existsSync(roundFile(run.dir, round, 'trained'))) {
      throw new PruneError('E_REFERENCE', `run ${dir} has no trained weights for round ${round}`, {
        hint:
          last >= 0
            ? `choose a round from 0 to ${existsSync(roundFile(run.dir, last, 'trained')) ? last : last - 1}`
            : 'the run has no rounds yet',
        where: dir,
      });
    }
    const snapshot = await run.weights(round, 'trained');
    const mask = await run.mask(round);
    const masked: ModelSnapshot = {
      params: applyMask(snapshot.params, mask.entries()),
      state: snapshot.state,
    };

    await ctx.backend(str(p, 'backend'));
    const factory = createRegistries().models.get(recipe.model.name);
    const model = createModel(factory, recipe.model.options, 0);
    const params = model.params;
    model.dispose();

    const out = resolve(str(p, 'out') ?? join(dir, 'export', `round-${round}-${format}`));
    const files: string[] = [];
    if (format === 'tfjs') {
      const lm = toLayersModel(factory, recipe.model.options, masked);
      try {
        lm.setUserDefinedMetadata({
          prunekit: { runId: stored.runId, round, model: recipe.model, density: mask.density() },
        });
        const f = await saveLayersModel(lm, out);
        files.push(f.modelJson, f.weights);
      } finally {
        lm.dispose();
      }
    } else {
      const torch = torchLayout(params, masked, flattenInput(factory, recipe.model.options));
      mkdirSync(out, { recursive: true });
      const path = join(out, 'model.safetensors');
      saveSafetensors(
        path,
        new Map([...torch].map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: t.data }])),
        {
          format: 'pt',
          layout: 'pytorch',
          source: 'prunekit',
          runId: stored.runId,
          round: String(round),
          model: JSON.stringify(recipe.model),
        },
      );
      files.push(path);
    }
    const size = sparseSize(params, masked.params);
    const info = {
      runId: stored.runId,
      runDir: resolve(dir),
      round,
      format,
      model: recipe.model,
      files,
      ...size,
    };
    writeJson(join(out, 'export.json'), info);
    files.push(join(out, 'export.json'));

    ctx.detail(
      table(
        ['param', 'shape', 'non-zeros', 'density', 'dense', 'sparse'],
        size.perParam.map((x) => [
          x.name,
          `[${x.shape.join(', ')}]`,
          x.nonzero.toLocaleString('en-US'),
          pct(x.size ? x.nonzero / x.size : 0),
          bytes(x.denseBytes),
          bytes(x.sparseBytes),
        ]),
      ),
    );
    ctx.result(
      [
        `exported round ${round} of ${stored.runId} as ${format}`,
        `non-zeros ${size.nonzero.toLocaleString('en-US')} of ${size.params.toLocaleString('en-US')} parameters (prunable weights: density ${pct(size.density)})`,
        `size dense ${bytes(size.denseBytes)} (float32), sparse ${bytes(size.sparseBytes)} (CSR-like), ${(size.denseBytes / Math.max(1, size.sparseBytes)).toFixed(1)}× smaller`,
        ...files.map((f) => `file ${f}`),
      ].join('\n'),
      { ...info, perParam: undefined, export: join(out, 'export.json') },
    );
    return 0;
  },
};

/** Weights with pruned entries set to exactly zero (they are already; this makes it certain). */
function applyMask(params: Weights, entries: Iterable<[string, { data: Uint8Array }]>): Weights {
  const out: Weights = new Map(params);
  for (const [name, m] of entries) {
    const w = params.get(name);
    if (!w) continue;
    const data = Float32Array.from(w.data);
    for (let i = 0; i < data.length; i++) if (!m.data[i]) data[i] = 0;
    out.set(name, { shape: w.shape, data });
  }
  return out;
}

/** Bytes as `780 B`, `12.4 KiB`, `1.02 MiB`. */
function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 2 ** 20) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 2 ** 20).toFixed(2)} MiB`;
}
