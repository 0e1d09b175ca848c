import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PruneError, seedlessJson } from '@prunekit/core';
import { writeFileAtomic } from '@prunekit/tensor';
import { builtinPresets, presetRecipe } from './presets.js';
import { type Recipe, resolveRecipe } from './recipe.js';
import { RUN_FILES, readJson, readJsonl } from './run-dir.js';
import { canonicalJson } from './run-id.js';
import type { RunMeta } from './runner.js';

/** One round of one run: a row of the merged table. */
export interface MergedRow {
  readonly runId: string;
  /** The recipe's `name`, if it has one. */
  readonly name?: string;
  /** The preset the run came from: recorded when started from one, else inferred from the method fields. */
  readonly preset?: string;
  /** Mask strategy + rewind policy + modifiers + sign options, e.g. `magnitude-global + weight-rewind`. */
  readonly variant: string;
  readonly seed: number;
  /** Sweep grid values of the run (by dotted path), if it came from a sweep. */
  readonly label: Readonly<Record<string, unknown>>;
  /** Groups replicates: equal for runs whose recipes differ only in their seeds. */
  readonly group: string;
  readonly round: number;
  readonly density: number;
  readonly testAccuracy?: number;
  readonly testLoss?: number;
  readonly validationAccuracy?: number;
  readonly trainLoss?: number;
  /** Flip fraction of the round's trained weights vs the rewind anchor, the previous round, a reference run. */
  readonly flipVsAnchor?: number;
  readonly flipVsPrevious?: number;
  readonly flipVsReference?: number;
  /** Flip fraction caused by the rewind that made this round's starting weights (rounds ≥ 1). */
  readonly rewindFlip?: number;
  /** Whether the run has finished (`done.json`). */
  readonly finished: boolean;
  readonly dir: string;
}

/** One run found by {@link mergeRuns}. */
export interface MergedRun {
  readonly runId: string;
  readonly dir: string;
  readonly recipe: Recipe;
  readonly meta: RunMeta;
  readonly finished: boolean;
  /** Rounds with a result. */
  readonly rounds: number;
  readonly seconds?: number;
}

/** What {@link mergeRuns} found and wrote. */
export interface MergeResult {
  readonly runs: readonly MergedRun[];
  /** One row per run and round, runs in directory order, rounds ascending. */
  readonly rows: readonly MergedRow[];
  /** Replicate groups (see {@link groupReplicates}). */
  readonly groups: readonly ReplicateGroup[];
  /** Files written (with `out`). */
  readonly files?: {
    readonly rows: string;
    readonly csv: string;
    readonly replicates: string;
    readonly replicatesCsv: string;
  };
}

/** Mean and spread of one metric over the replicates that have it. */
export interface Stat {
  readonly mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single value. */
  readonly std: number;
  readonly n: number;
}

/** Replicates of one recipe (runs that differ only in their seeds), with statistics per round. */
export interface ReplicateGroup {
  readonly group: string;
  readonly name?: string;
  readonly preset?: string;
  readonly variant: string;
  /** Grid values shared by the group (without `seed`). */
  readonly label: Readonly<Record<string, unknown>>;
  readonly seeds: readonly number[];
  readonly runIds: readonly string[];
  readonly rounds: ReadonlyArray<{
    readonly round: number;
    /** Replicates with a result for this round. */
    readonly n: number;
    readonly density: Stat;
    readonly testAccuracy?: Stat;
    readonly testLoss?: Stat;
    readonly trainLoss?: Stat;
    readonly flipVsAnchor?: Stat;
    readonly flipVsPrevious?: Stat;
  }>;
}

/**
 * Every run directory in `dirs`: a directory with `recipe.json` is a run; any other directory is
 * searched for runs (three levels deep; `rounds/` and `checkpoint/` are not entered). Sorted by
 * path, each once. A missing directory, or one with no runs, throws `E_REFERENCE` naming it.
 *
 * @example
 * ```ts
 * findRunDirs(['runs/sweep-a', 'runs/lrr-3f9a0c1d2e']);
 * ```
 */
export function findRunDirs(dirs: readonly string[]): string[] {
  const found = new Set<string>();
  for (const d of dirs) {
    const abs = resolve(d);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) {
      throw new PruneError('E_REFERENCE', `${d} does not exist or is not a directory`, {
        hint: 'pass run directories or their parent (e.g. runs/)',
        where: d,
      });
    }
    const before = found.size;
    const walk = (dir: string, depth: number) => {
      if (existsSync(join(dir, RUN_FILES.recipe))) {
        found.add(dir);
        return;
      }
      if (depth === 0) return;
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'rounds' && e.name !== 'checkpoint')
          walk(join(dir, e.name), depth - 1);
      }
    };
    walk(abs, 3);
    if (found.size === before && !existsSync(join(abs, RUN_FILES.recipe))) {
      throw new PruneError(
        'E_REFERENCE',
        `${d} holds no prunekit run directories (none with ${RUN_FILES.recipe})`,
        { where: d },
      );
    }
  }
  return [...found].sort();
}

/**
 * Gather the results of many runs into one table: for every run (see {@link findRunDirs}) and
 * round, the density, test/validation accuracy and loss, training loss and the sign-flip
 * fractions, with the run id, recipe name, preset, variant, seed and sweep grid values. Reads
 * `metrics.jsonl` and `signs.jsonl` (or only `summary.csv` when the JSONL files are absent) and
 * `done.json`; unfinished runs give the rounds they have. With `out`, writes `merged.jsonl`,
 * `merged.csv`, `replicates.jsonl` and `replicates.csv` there, each atomically.
 *
 * @example
 * ```ts
 * const { rows, groups } = mergeRuns(['runs'], { out: 'results' });
 * ```
 */
export function mergeRuns(dirs: readonly string[], options: { readonly out?: string } = {}): MergeResult {
  const runs: MergedRun[] = [];
  const rows: MergedRow[] = [];
  for (const dir of findRunDirs(dirs)) {
    const file = join(dir, RUN_FILES.recipe);
    const stored = readJson<{ runId?: string; recipe?: unknown; meta?: RunMeta }>(file, 'recipe');
    const recipe = resolveRecipe(stored.recipe, file);
    const runId = stored.runId ?? dir.split(/[\\/]/).pop()!;
    const meta = stored.meta ?? {};
    const done = existsSync(join(dir, RUN_FILES.done))
      ? readJson<{ seconds?: number }>(join(dir, RUN_FILES.done), 'result')
      : undefined;
    const perRound = readRounds(dir);
    const preset = meta.preset ?? inferPreset(recipe);
    const variant = variantOf(recipe);
    const group = replicateKey(recipe);
    const label = meta.label ?? {};
    for (const r of perRound) {
      rows.push({
        runId,
        ...(recipe.name === undefined ? {} : { name: recipe.name }),
        ...(preset === undefined ? {} : { preset }),
        variant,
        seed: recipe.seed,
        label,
        group,
        ...r,
        finished: done !== undefined,
        dir,
      });
    }
    runs.push({
      runId,
      dir,
      recipe,
      meta,
      finished: done !== undefined,
      rounds: perRound.length,
      ...(done?.seconds === undefined ? {} : { seconds: done.seconds }),
    });
  }
  const groups = groupReplicates(rows);
  if (!options.out) return { runs, rows, groups };
  mkdirSync(options.out, { recursive: true });
  const files = {
    rows: join(options.out, 'merged.jsonl'),
    csv: join(options.out, 'merged.csv'),
    replicates: join(options.out, 'replicates.jsonl'),
    replicatesCsv: join(options.out, 'replicates.csv'),
  };
  writeFileAtomic(files.rows, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  writeFileAtomic(files.csv, rowsCsv(rows));
  writeFileAtomic(files.replicates, groups.map((g) => `${JSON.stringify(g)}\n`).join(''));
  writeFileAtomic(files.replicatesCsv, groupsCsv(groups));
  return { runs, rows, groups, files };
}

type RoundFields = Pick<
  MergedRow,
  | 'round'
  | 'density'
  | 'testAccuracy'
  | 'testLoss'
  | 'validationAccuracy'
  | 'trainLoss'
  | 'flipVsAnchor'
  | 'flipVsPrevious'
  | 'flipVsReference'
  | 'rewindFlip'
>;

function readRounds(dir: string): RoundFields[] {
  const metricsFile = join(dir, RUN_FILES.metrics);
  const byRound = new Map<number, Record<string, number>>();
  if (existsSync(metricsFile)) {
    for (const m of readJsonl(metricsFile)) {
      if (m.type !== 'round' || typeof m.round !== 'number') continue;
      const row: Record<string, number> = { round: m.round, density: Number(m.density) };
      for (const k of ['testAccuracy', 'testLoss', 'validationAccuracy', 'trainLoss'] as const)
        if (typeof m[k] === 'number') row[k] = m[k] as number;
      byRound.set(m.round, row); // a record written again after a crash replaces the earlier one
    }
    for (const s of readJsonl(join(dir, RUN_FILES.signs))) {
      const row = typeof s.round === 'number' ? byRound.get(s.round) : undefined;
      if (!row) continue;
      if (s.type === 'round-signs') {
        for (const k of ['flipVsAnchor', 'flipVsPrevious', 'flipVsReference'] as const) {
          const v = (s[k] as { value?: unknown } | undefined)?.value;
          if (typeof v === 'number') row[k] = v;
        }
      } else if (s.type === 'rewind') {
        const v = (s.flipVsTrained as { value?: unknown } | undefined)?.value;
        if (typeof v === 'number') row.rewindFlip = v;
      }
    }
  } else if (existsSync(join(dir, RUN_FILES.summary))) {
    const [head = '', ...lines] = readFileSync(join(dir, RUN_FILES.summary), 'utf8')
      .split('\n')
      .filter(Boolean);
    const cols = head.split(',');
    const names: Record<string, string> = {
      round: 'round',
      density: 'density',
      test_accuracy: 'testAccuracy',
      test_loss: 'testLoss',
      validation_accuracy: 'validationAccuracy',
      train_loss: 'trainLoss',
      flip_vs_anchor: 'flipVsAnchor',
      flip_vs_previous: 'flipVsPrevious',
    };
    for (const line of lines) {
      const row: Record<string, number> = {};
      line.split(',').forEach((v, i) => {
        const k = names[cols[i] ?? ''];
        if (k && v !== '') row[k] = Number(v);
      });
      if (typeof row.round === 'number') byRound.set(row.round, row);
    }
  }
  return [...byRound.values()].sort((a, b) => a.round! - b.round!) as unknown as RoundFields[];
}

/**
 * The method of a recipe in one line: mask strategy + rewind policy + modifiers + sign options
 * (plugin options shown when set).
 *
 * @example
 * ```ts
 * variantOf(recipe); // "magnitude-global + weight-rewind + with-signs{\"from\":\"trained\"}"
 * ```
 */
export function variantOf(recipe: Recipe): string {
  const ref = (p: { name: string; options: Record<string, unknown> }) =>
    Object.keys(p.options).length ? `${p.name}${canonicalJson(p.options)}` : p.name;
  const parts = [
    ref(recipe.pruning.strategy),
    ref(recipe.rewind.policy),
    ...recipe.rewind.modifiers.map(ref),
  ];
  if (recipe.signs.perturb)
    parts.push(`perturb(${recipe.signs.perturb.every}, ${recipe.signs.perturb.probability})`);
  if (recipe.signs.fixed) parts.push(`fixed-signs(${recipe.signs.fixed.from})`);
  return parts.join(' + ');
}

/** What makes a preset a method (reference run paths left out). */
function methodKey(r: Recipe): string {
  const fromKind = (o: Record<string, unknown>) =>
    o.from && typeof o.from === 'object' ? 'run' : (o.from ?? null);
  return canonicalJson({
    strategy: r.pruning.strategy.name,
    policy: r.rewind.policy.name,
    modifiers: r.rewind.modifiers.map((m) => [m.name, fromKind(m.options)]),
    perturb: r.signs.perturb !== undefined,
    fixed: r.signs.fixed?.from ?? null,
  });
}

let presetKeys: [string, string][] | undefined;

/**
 * The first built-in preset whose method (mask strategy, rewind policy, modifiers, sign options)
 * matches the recipe's, or `undefined`.
 *
 * @example
 * ```ts
 * inferPreset(resolveRecipe({ ...base, rewind: { policy: { name: 'weight-rewind' } } })); // 'imp'
 * ```
 */
export function inferPreset(recipe: Recipe): string | undefined {
  presetKeys ??= builtinPresets.map((p) => [
    p.name,
    methodKey(resolveRecipe(presetRecipe(p), `preset '${p.name}'`)),
  ]);
  const key = methodKey(recipe);
  return presetKeys.find(([, k]) => k === key)?.[0];
}

/**
 * Short hash of a recipe without its seeds (`seed`, `seeds.*`): equal for replicates.
 *
 * @example
 * ```ts
 * replicateKey(resolveRecipe({ ...r, seed: 1 })) === replicateKey(resolveRecipe({ ...r, seed: 2 })); // true
 * ```
 */
export function replicateKey(recipe: Recipe): string {
  return createHash('sha256')
    .update(seedlessJson(recipe as unknown as Record<string, unknown>))
    .digest('hex')
    .slice(0, 10);
}

function stat(values: readonly number[]): Stat | undefined {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length === 0) return undefined;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length };
}

/**
 * Group replicates (rows whose recipes differ only in their seeds) and give mean and sample
 * standard deviation per round of density, test accuracy and loss, training loss and flip
 * fractions. Groups keep the order in which they first appear.
 *
 * @example
 * ```ts
 * const groups = groupReplicates(mergeRuns(['runs']).rows);
 * groups[0].rounds[3].testAccuracy; // { mean: 0.91, std: 0.004, n: 3 }
 * ```
 */
export function groupReplicates(rows: readonly MergedRow[]): ReplicateGroup[] {
  const byGroup = new Map<string, MergedRow[]>();
  for (const r of rows) {
    const list = byGroup.get(r.group) ?? [];
    list.push(r);
    byGroup.set(r.group, list);
  }
  return [...byGroup.entries()].map(([group, list]) => {
    const first = list[0]!;
    const runIds = [...new Set(list.map((r) => r.runId))];
    const seeds = [...new Set(list.map((r) => r.seed))].sort((a, b) => a - b);
    const { seed: _s, ...label } = first.label as Record<string, unknown>;
    const roundNos = [...new Set(list.map((r) => r.round))].sort((a, b) => a - b);
    const rounds = roundNos.map((round) => {
      const at = list.filter((r) => r.round === round);
      const pick = (k: keyof MergedRow) =>
        at.map((r) => r[k]).filter((x): x is number => typeof x === 'number');
      const out: Record<string, unknown> = { round, n: at.length, density: stat(pick('density'))! };
      for (const k of ['testAccuracy', 'testLoss', 'trainLoss', 'flipVsAnchor', 'flipVsPrevious'] as const) {
        const s = stat(pick(k));
        if (s) out[k] = s;
      }
      return out as ReplicateGroup['rounds'][number];
    });
    return {
      group,
      ...(first.name === undefined ? {} : { name: first.name }),
      ...(first.preset === undefined ? {} : { preset: first.preset }),
      variant: first.variant,
      label,
      seeds,
      runIds,
      rounds,
    };
  });
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s =
    typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function labelKeys(items: readonly { label: Readonly<Record<string, unknown>> }[]): string[] {
  return [...new Set(items.flatMap((i) => Object.keys(i.label)))].filter((k) => k !== 'seed').sort();
}

function rowsCsv(rows: readonly MergedRow[]): string {
  const labels = labelKeys(rows);
  const cols: [string, (r: MergedRow) => unknown][] = [
    ['run_id', (r) => r.runId],
    ['name', (r) => r.name],
    ['preset', (r) => r.preset],
    ['variant', (r) => r.variant],
    ['seed', (r) => r.seed],
    ['group', (r) => r.group],
    ...labels.map((k): [string, (r: MergedRow) => unknown] => [k, (r) => r.label[k]]),
    ['round', (r) => r.round],
    ['density', (r) => r.density],
    ['test_accuracy', (r) => r.testAccuracy],
    ['test_loss', (r) => r.testLoss],
    ['validation_accuracy', (r) => r.validationAccuracy],
    ['train_loss', (r) => r.trainLoss],
    ['flip_vs_anchor', (r) => r.flipVsAnchor],
    ['flip_vs_previous', (r) => r.flipVsPrevious],
    ['flip_vs_reference', (r) => r.flipVsReference],
    ['rewind_flip', (r) => r.rewindFlip],
    ['finished', (r) => r.finished],
    ['dir', (r) => r.dir],
  ];
  return `${cols.map(([c]) => csvCell(c)).join(',')}\n${rows.map((r) => `${cols.map(([, f]) => csvCell(f(r))).join(',')}\n`).join('')}`;
}

function groupsCsv(groups: readonly ReplicateGroup[]): string {
  const labels = labelKeys(groups);
  const metrics = [
    'density',
    'testAccuracy',
    'testLoss',
    'trainLoss',
    'flipVsAnchor',
    'flipVsPrevious',
  ] as const;
  const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const head = [
    'group',
    'name',
    'preset',
    'variant',
    ...labels,
    'seeds',
    'round',
    'n',
    ...metrics.flatMap((m) => [`${snake(m)}_mean`, `${snake(m)}_std`]),
  ];
  const lines = groups.flatMap((g) =>
    g.rounds.map((r) =>
      [
        g.group,
        g.name,
        g.preset,
        g.variant,
        ...labels.map((k) => g.label[k]),
        g.seeds.join(' '),
        r.round,
        r.n,
        ...metrics.flatMap((m) => {
          const s = r[m] as Stat | undefined;
          return [s?.mean, s?.std];
        }),
      ]
        .map(csvCell)
        .join(','),
    ),
  );
  return `${head.map(csvCell).join(',')}\n${lines.map((l) => `${l}\n`).join('')}`;
}
