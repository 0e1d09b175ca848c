import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, type EventSink, PruneError, isPruneError, noopSink } from '@prunekit/core';
import { loadDataset } from '@prunekit/datasets';
import type { EngineRequest } from '@prunekit/tensor';
import { z } from 'zod';
import { assertNoPlaceholders, createPresetRegistry, deepMerge, presetRecipe } from './presets.js';
import { type Recipe, applyOverrides, parseYamlObject, resolveRecipe } from './recipe.js';
import { type Registries, createRegistries } from './registries.js';
import { RUN_FILES, runDirectory } from './run-dir.js';
import { canonicalJson, runId } from './run-id.js';
import { type RunResult, checkPlugins, runExperiment } from './runner.js';

const dottedPath = z
  .string()
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a dotted field path like "pruning.fraction"')
  .refine(
    (k) => !k.split('.').some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype'),
    'not a field path',
  );

/**
 * The sweep file schema (zod): a base recipe (or preset), fixed overrides, a grid, replicates.
 *
 * @example
 * ```ts
 * sweepSchema.parse({ preset: 'lrr', grid: { 'pruning.fraction': [0.2, 0.5] }, seeds: 3 });
 * ```
 */
export const sweepSchema = z
  .object({
    /** Label of the sweep, stored in every run's `recipe.json` (`meta.sweep`). */
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1–64 letters, digits, dot, dash or underscore')
      .optional(),
    /** A built-in preset to start from (merged over the short base, like `prunekit run --preset`). */
    preset: z.string().min(1).optional(),
    /** A recipe object to start from (deep-merged over the preset when both are given). */
    base: z.record(z.string(), z.unknown()).optional(),
    /** Fixed overrides by dotted path, applied to every point: `{ 'model.name': 'mlp' }`. */
    set: z.record(dottedPath, z.unknown()).default({}),
    /** Values to try per dotted path; the points are their cartesian product. */
    grid: z.record(dottedPath, z.array(z.unknown()).min(1, 'give at least one value')).default({}),
    /** Replicates: every grid point runs with `seed` 0, 1, …, seeds − 1. */
    seeds: z.number().int().positive().max(10_000).optional(),
    /** Parent directory of the run directories (default `runs`; `runSweep`'s `out` wins). */
    out: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => s.preset !== undefined || s.base !== undefined, {
    message: 'give a base recipe (base: …) or a preset (preset: imp)',
    path: ['base'],
  });

/** A sweep as written (input of {@link expandSweep}). */
export type SweepSpec = z.input<typeof sweepSchema>;

/** One run of a sweep: its grid values, its validated recipe and its run id. */
export interface SweepPoint {
  /** Position in the expanded sweep (0-based, stable: shards are `index % count`). */
  readonly index: number;
  /** The grid values of this point by dotted path, plus `seed` for replicates. */
  readonly label: Readonly<Record<string, unknown>>;
  readonly recipe: Recipe;
  readonly runId: string;
}

/** An expanded sweep: the points in a deterministic order. */
export interface Sweep {
  /** Where it came from (file name), for messages. */
  readonly source: string;
  readonly spec: z.output<typeof sweepSchema>;
  readonly points: readonly SweepPoint[];
  /** Grid points that gave an already listed recipe (same run id) and were left out. */
  readonly duplicates: number;
}

/** Options of {@link expandSweep} and {@link parseSweep}. */
export interface ExpandSweepOptions {
  /** Name for messages (default `sweep`). */
  readonly source?: string;
  /** Registries to check plugin names and options in (default: the built-ins). */
  readonly registries?: Partial<Registries>;
}

/**
 * Expand a sweep into runs: start from `preset` (merged over the short base) and/or `base`,
 * apply `set`, then take the cartesian product of `grid` (keys in file order, the first key
 * varying slowest, values in list order) and, with `seeds: n`, replicate every point with
 * `seed` = 0 … n−1 (innermost). Every point is validated (recipe schema, plugin names and
 * options) before anything runs; errors name the point and its grid values. Points that come
 * out as the same recipe (same run id) are listed once.
 *
 * @example
 * ```ts
 * const sweep = expandSweep({
 *   preset: 'lrr', set: { 'pruning.rounds': 3 },
 *   grid: { 'rewind.policy.name': ['lr-rewind', 'weight-rewind'], 'pruning.fraction': [0.2, 0.5] },
 *   seeds: 3,
 * });
 * sweep.points.length; // 12
 * ```
 */
export function expandSweep(spec: unknown, options: ExpandSweepOptions = {}): Sweep {
  const source = options.source ?? 'sweep';
  const parsed = sweepSchema.safeParse(spec);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const path = i.path.length ? i.path.map(String).join('.') : '(top level)';
      const msg =
        i.code === 'unrecognized_keys'
          ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}; known: name, preset, base, set, grid, seeds, out`
          : i.code === 'invalid_key'
            ? 'not a dotted field path like "pruning.fraction"'
            : i.message;
      return `${path}: ${msg}`;
    });
    throw new PruneError('E_RECIPE', `${source} is invalid: ${lines.join('; ')}`, { where: source });
  }
  const s = parsed.data;
  const seedKeys = [...Object.keys(s.set), ...Object.keys(s.grid)].filter((k) => k === 'seed');
  if (s.seeds !== undefined && (seedKeys.length || (s.base && 'seed' in s.base))) {
    throw new PruneError(
      'E_RECIPE',
      `${source}: 'seeds: ${s.seeds}' sets the seed of every point, but ${seedKeys[0] ?? 'base.seed'} sets it too`,
      {
        hint: 'remove one of them (seeds: n runs seeds 0 … n−1)',
        where: source,
      },
    );
  }
  const overlap = Object.keys(s.grid).filter((k) => k in s.set);
  if (overlap.length) {
    throw new PruneError(
      'E_RECIPE',
      `${source}: ${overlap.map((k) => `'${k}'`).join(', ')} is both in set and in grid`,
      { where: source },
    );
  }

  let base: Record<string, unknown> = {};
  if (s.preset !== undefined) {
    const preset = createPresetRegistry().get(s.preset);
    base = presetRecipe(preset);
  }
  if (s.base) base = deepMerge(base, s.base);
  base = applyOverrides(
    base,
    Object.entries(s.set).map(([k, v]) => toSet(k, v)),
  );
  const registries = createRegistries(options.registries);

  const keys = Object.keys(s.grid);
  const combos = cartesian(keys.map((k) => s.grid[k]!));
  const seeds = s.seeds === undefined ? [undefined] : Array.from({ length: s.seeds }, (_, i) => i);
  const points: SweepPoint[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const values of combos) {
    for (const seed of seeds) {
      const label: Record<string, unknown> = {};
      keys.forEach((k, i) => {
        label[k] = values[i];
      });
      if (seed !== undefined) label.seed = seed;
      const sets = Object.entries(label).map(([k, v]) => toSet(k, v));
      const raw = applyOverrides(base, sets);
      const where = `${source} point ${points.length + duplicates}${sets.length ? ` (${sets.join(', ')})` : ''}`;
      assertNoPlaceholders(raw, s.preset === undefined ? undefined : createPresetRegistry().get(s.preset));
      const recipe = resolveRecipe(raw, where);
      try {
        checkPlugins(recipe, registries);
      } catch (e) {
        if (isPruneError(e)) throw new PruneError(e.code, `${where}: ${e.message}`, { cause: e, where });
        throw e;
      }
      const id = runId(recipe);
      if (seen.has(id)) {
        duplicates++;
        continue;
      }
      seen.add(id);
      points.push({ index: points.length, label, recipe, runId: id });
    }
  }
  return { source, spec: s, points, duplicates };
}

/**
 * Parse a sweep file (YAML or JSON; syntax errors give line:column) and expand it.
 *
 * @example
 * ```ts
 * const sweep = parseSweep(readFileSync('sweep.yaml', 'utf8'), { source: 'sweep.yaml' });
 * ```
 */
export function parseSweep(text: string, options: ExpandSweepOptions = {}): Sweep {
  const source = options.source ?? 'sweep';
  return expandSweep(parseYamlObject(text, source), { ...options, source });
}

/** `key=value` for {@link applyOverrides}: JSON is valid YAML, so the value keeps its type. */
function toSet(key: string, value: unknown): string {
  return `${key}=${value === undefined ? 'null' : JSON.stringify(value)}`;
}

function cartesian(lists: readonly (readonly unknown[])[]): unknown[][] {
  let out: unknown[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((v) => [...prefix, v]));
  return out;
}

/** A slice of a list: shard `index` of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * The items of shard `index` of `count`: those whose position p has p % count === index. Shards
 * are disjoint and together cover the list, so `count` workers (a Slurm array, a Kubernetes
 * indexed job) can share one results directory, each running its own slice.
 *
 * @example
 * ```ts
 * shard(['a', 'b', 'c', 'd', 'e'], 1, 2); // ['b', 'd']
 * ```
 */
export function shard<T>(list: readonly T[], index: number, count: number): T[] {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new PruneError('E_USAGE', `shard ${index} of ${count}: need whole numbers with 0 ≤ index < count`, {
      hint: 'e.g. --shard 0/4 … --shard 3/4',
    });
  }
  return list.filter((_, p) => p % count === index);
}

/**
 * Parse a shard written as `index/count` (0-based index), e.g. `"2/8"`.
 *
 * @example
 * ```ts
 * parseShard('2/8'); // { index: 2, count: 8 }
 * ```
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index >= count) {
    throw new PruneError('E_USAGE', `shard '${text}': expected index/count with 0 ≤ index < count, e.g. 0/4`);
  }
  return { index, count };
}

/**
 * The shard of this worker from its environment, or `undefined` outside a job array:
 * `PRUNEKIT_SHARD=i/n`; a Slurm array (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` of
 * `SLURM_ARRAY_TASK_COUNT`); a Kubernetes indexed job (`JOB_COMPLETION_INDEX` of
 * `PRUNEKIT_SHARD_COUNT`, which you set to the job's `completions`).
 *
 * @example
 * ```ts
 * shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '8' }); // { index: 3, count: 8 }
 * ```
 */
export function shardFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Shard | undefined {
  if (env.PRUNEKIT_SHARD) return parseShard(env.PRUNEKIT_SHARD);
  if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined) {
    const id = Number(env.SLURM_ARRAY_TASK_ID) - Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    return parseShard(`${id}/${env.SLURM_ARRAY_TASK_COUNT}`);
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (env.PRUNEKIT_SHARD_COUNT === undefined) {
      throw new PruneError('E_USAGE', 'JOB_COMPLETION_INDEX is set but PRUNEKIT_SHARD_COUNT is not', {
        hint: "set PRUNEKIT_SHARD_COUNT to the job's completions in the pod template",
      });
    }
    return parseShard(`${env.JOB_COMPLETION_INDEX}/${env.PRUNEKIT_SHARD_COUNT}`);
  }
  return undefined;
}

/** Options of {@link runSweep}. */
export interface SweepRunOptions {
  /** Run only this slice (see {@link shard}). Default: every point. */
  readonly shard?: Shard;
  /** Parent directory of the run directories (default: the sweep's `out`, else `runs`). */
  readonly out?: string;
  readonly onEvent?: EventSink;
  readonly registries?: Partial<Registries>;
  readonly backend?: EngineRequest;
  /** Stop at the first failed run (default: go on with the next point and report the failure). */
  readonly failFast?: boolean;
  /** Called when a point starts, is skipped, finishes or fails. */
  readonly onPoint?: (point: SweepPoint, status: SweepPointStatus, detail?: RunResult | Error) => void;
}

/** What happened to one point: ran to the end, was finished already, failed, or is run by another worker now. */
export type SweepPointStatus = 'start' | 'done' | 'skipped' | 'failed' | 'locked';

/** The outcome of {@link runSweep}: one entry per point of the slice, in order. */
export interface SweepRunResult {
  readonly out: string;
  readonly shard: Shard;
  readonly points: ReadonlyArray<{
    readonly index: number;
    readonly runId: string;
    readonly dir: string;
    readonly status: Exclude<SweepPointStatus, 'start'>;
    readonly error?: { readonly code: string; readonly message: string };
  }>;
}

/**
 * Run a sweep's points (or one shard of them) one after another. A point whose run directory
 * holds `done.json` is skipped; an unfinished one resumes from its checkpoint; one locked by a
 * live process (another worker on the same point) is reported as `locked` and left to it. Run
 * ids make concurrent shards on one results directory safe. A failed run (e.g. `E_NAN`) is
 * reported and the next point runs, unless `failFast`. Consecutive points with the same dataset
 * share it in memory.
 *
 * @example
 * ```ts
 * const sweep = parseSweep(readFileSync('sweep.yaml', 'utf8'), { source: 'sweep.yaml' });
 * const res = await runSweep(sweep, { shard: shardFromEnv() ?? { index: 0, count: 1 }, out: 'runs' });
 * res.points.filter((p) => p.status === 'failed');
 * ```
 */
export async function runSweep(sweep: Sweep, options: SweepRunOptions = {}): Promise<SweepRunResult> {
  const out = options.out ?? sweep.spec.out ?? 'runs';
  const sh = options.shard ?? { index: 0, count: 1 };
  const mine = shard(sweep.points, sh.index, sh.count);
  const emit = options.onEvent ?? noopSink;
  const regs = createRegistries(options.registries);
  const results: SweepRunResult['points'][number][] = [];
  let cached: { key: string; data: Dataset } | undefined;
  for (const point of mine) {
    const dir = runDirectory(out, point.runId);
    if (existsSync(join(dir, RUN_FILES.done))) {
      results.push({ index: point.index, runId: point.runId, dir, status: 'skipped' });
      options.onPoint?.(point, 'skipped');
      emit({
        type: 'log',
        level: 'info',
        message: `sweep point ${point.index}: ${point.runId} is finished, skipped`,
      });
      continue;
    }
    options.onPoint?.(point, 'start');
    try {
      const key = canonicalJson(point.recipe.dataset);
      if (cached?.key !== key) {
        cached = undefined; // drop the previous dataset before loading the next
        const factory = regs.datasets.get(point.recipe.dataset.name);
        cached = { key, data: await loadDataset(factory, point.recipe.dataset.options, 'dataset.options') };
      }
      const preset = sweep.spec.preset;
      const result = await runExperiment(point.recipe, {
        out,
        registries: regs,
        onEvent: emit,
        data: cached.data,
        ...(options.backend ? { backend: options.backend } : {}),
        meta: {
          ...(preset ? { preset } : {}),
          ...(sweep.spec.name ? { sweep: sweep.spec.name } : {}),
          label: point.label,
        },
      });
      results.push({
        index: point.index,
        runId: point.runId,
        dir,
        status: result.skipped ? 'skipped' : 'done',
      });
      options.onPoint?.(point, result.skipped ? 'skipped' : 'done', result);
    } catch (e) {
      const locked = isPruneError(e, 'E_LOCK');
      const code = isPruneError(e) ? e.code : 'E_INTERNAL';
      const message = e instanceof Error ? e.message : String(e);
      results.push({
        index: point.index,
        runId: point.runId,
        dir,
        status: locked ? 'locked' : 'failed',
        error: { code, message },
      });
      options.onPoint?.(point, locked ? 'locked' : 'failed', e instanceof Error ? e : new Error(message));
      emit({
        type: 'log',
        level: 'warn',
        message: `sweep point ${point.index} (${point.runId}) ${locked ? 'is run by another process' : `failed: ${message}`}`,
      });
      if (options.failFast && !locked) throw e;
    }
  }
  return { out, shard: sh, points: results };
}
