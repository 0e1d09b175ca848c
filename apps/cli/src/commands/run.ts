import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, PruneError, exitCodeOf, isPruneError } from '@prunekit/core';
import { createDatasetRegistry, loadDataset } from '@prunekit/datasets';
import {
  RUN_FILES,
  type Recipe,
  type RunMeta,
  type RunResult,
  applyOverrides,
  canonicalJson,
  checkPlugins,
  resolveRecipe,
  runDirectory,
  runExperiment,
  runId,
} from '@prunekit/experiment';
import { BACKEND_OPTION, type Command, int, str, strs } from '../args.js';
import type { Context } from '../context.js';
import { roundsTable, runData, runLines } from '../format.js';
import { rehint } from '../catalog.js';
import { readRecipeSource } from '../recipe-source.js';

export const runCommand: Command = {
  name: 'run',
  args: '<recipe.yaml | preset>',
  summary: 'run a recipe file or a preset (with --set overrides); prints the run id and directory',
  details: [
    'A preset is a named recipe (`prunekit list presets`), merged over the short base recipe',
    '(LeNet-300-100 on Fashion-MNIST, 5 rounds of 1 epoch). `--set` takes a dotted field path and a',
    'YAML value; presets that need another run (e.g. imp-with-lrr-mask) say which field to set.',
    'Runs go to <out>/<run-id>/; running the same recipe again continues it (a finished run is',
    'not run twice). `prunekit describe recipe` lists every field and its default.',
  ],
  options: {
    set: {
      type: 'string',
      multiple: true,
      value: 'key=value',
      description: 'override a recipe field, e.g. pruning.rounds=3',
    },
    out: {
      type: 'string',
      value: 'dir',
      description: 'parent directory of the run directories (default: runs)',
    },
    seeds: { type: 'string', value: 'n', description: 'run n replicates with seed 0 … n-1' },
    backend: BACKEND_OPTION,
  },
  examples: [
    'prunekit run lrr --set dataset.options.limit=6000 --set pruning.rounds=3',
    'prunekit run my-recipe.yaml --seeds 3 --out runs',
    'prunekit run imp-with-lrr-mask --set pruning.strategy.options.reference=runs/<lrr-run-id>',
  ],
  positionals: [1, 1],
  async run(p, ctx) {
    const { raw, source, preset } = readRecipeSource(p.positionals[0]!, strs(p, 'set'));
    const seeds = int(p, 'seeds', 1, 10_000);
    const raws =
      seeds === undefined
        ? [raw]
        : Array.from({ length: seeds }, (_, i) => applyOverrides(raw, [`seed=${i}`]));
    const out = str(p, 'out') ?? 'runs';
    const results = await runRecipes(
      raws.map((r, i) => ({ raw: r, source: seeds === undefined ? source : `${source} (seed ${i})` })),
      ctx,
      { out, backend: str(p, 'backend'), ...(preset ? { meta: { preset: preset.name } } : {}) },
    );
    ctx.result(results.map(runLines).join('\n'), { runs: results.map(runData) });
    return 0;
  },
};

/** Validate every recipe (schema and plugin names) before anything runs, then run them in order. */
export async function runRecipes(
  items: readonly { raw: Record<string, unknown>; source: string; meta?: RunMeta }[],
  ctx: Context,
  o: { out: string; backend?: string | undefined; meta?: RunMeta },
): Promise<RunResult[]> {
  const recipes: Recipe[] = items.map(({ raw, source }) => {
    const r = resolveRecipe(raw, source);
    try {
      checkPlugins(r);
    } catch (e) {
      throw isPruneError(e, 'E_UNKNOWN_NAME') ? rehint(e, '`prunekit list` shows the built-in names') : e;
    }
    return r;
  });
  await ctx.backend(o.backend);
  const data = await sharedData(recipes);
  const results: RunResult[] = [];
  for (const [i, recipe] of recipes.entries()) {
    const dir = runDirectory(o.out, runId(recipe));
    const meta = items[i]!.meta ?? o.meta;
    try {
      const r = await runExperiment(recipe, {
        out: o.out,
        onEvent: ctx.events,
        ...(meta ? { meta } : {}),
        ...(data ? { data } : {}),
      });
      if (r.skipped) ctx.info(`run ${r.runId} is already finished (${r.dir}); delete it to run again`);
      else ctx.detail(roundsTable(r.rounds));
      results.push(r);
    } catch (e) {
      throw withResumeHint(e, dir);
    }
  }
  return results;
}

/** Load the dataset once when several recipes use the same one (replicates). */
async function sharedData(recipes: readonly Recipe[]): Promise<Dataset | undefined> {
  if (recipes.length < 2) return undefined;
  const key = canonicalJson(recipes[0]!.dataset);
  if (!recipes.every((r) => canonicalJson(r.dataset) === key)) return undefined;
  const d = recipes[0]!.dataset;
  return loadDataset(createDatasetRegistry().get(d.name), d.options, 'dataset.options');
}

/** A failed run (exit 1) whose directory has a checkpoint: say how to continue it. */
export function withResumeHint(e: unknown, dir: string): unknown {
  if (exitCodeOf(e) !== 1 || isPruneError(e, 'E_LOCK') || !existsSync(join(dir, RUN_FILES.state))) return e;
  const base = isPruneError(e) ? e : undefined;
  const msg = e instanceof Error ? e.message : String(e);
  return new PruneError(base?.code ?? 'E_INTERNAL', `${msg.replace(/\.?\s*$/, '')}; the run is in ${dir}`, {
    cause: e,
    hint: `\`prunekit resume ${dir}\` continues it from its last checkpoint`,
    where: dir,
  });
}
