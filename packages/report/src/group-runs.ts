import { SEED_FIELDS, canonicalJson, seedlessJson } from '@prunekit/core';
import type { RunData } from './read-run.js';

/** Runs that differ only in their seeds, shown as one line (mean over seeds) in the plots. */
export interface RunGroup {
  /** What the runs share: the canonical JSON of the recipe without `seed`/`seeds` (or the custom label). */
  readonly key: string;
  /** Name shown in legends and tables. */
  readonly label: string;
  /** The runs, sorted by seed. */
  readonly runs: readonly RunData[];
}

/** Options of {@link groupRuns}. */
export interface GroupOptions {
  /**
   * Custom grouping: runs with the same returned label form one group. Default: runs whose
   * recipes are equal except `seed` and `seeds`, labelled automatically.
   */
  readonly label?: (run: RunData) => string;
}

export { SEED_FIELDS, canonicalJson };

/**
 * The grouping key of a recipe: its canonical JSON without the seed fields.
 *
 * @example
 * ```ts
 * groupKey({ seed: 1, rewind: { policy: { name: 'lr-rewind' } } }) ===
 *   groupKey({ seed: 2, rewind: { policy: { name: 'lr-rewind' } } }); // true
 * ```
 */
export function groupKey(recipe: Readonly<Record<string, unknown>>): string {
  return seedlessJson(recipe);
}

/**
 * Group runs that differ only in seed. Groups keep the order in which their first run appears;
 * runs inside a group are sorted by seed. Labels: the recipes' `name` when every group has a
 * distinct one, else the recipe fields that differ between groups (`weight-rewind`,
 * `fraction=0.5`, …), else `model.dataset.policy`.
 *
 * @example
 * ```ts
 * const groups = groupRuns(dirs.map(readRun));
 * groups.map((g) => `${g.label}: ${g.runs.length} seeds`);
 * ```
 */
export function groupRuns(runs: readonly RunData[], options: GroupOptions = {}): RunGroup[] {
  const byKey = new Map<string, RunData[]>();
  for (const run of runs) {
    const key = options.label ? options.label(run) : groupKey(run.recipe);
    const list = byKey.get(key);
    if (list) list.push(run);
    else byKey.set(key, [run]);
  }
  const keys = [...byKey.keys()];
  const labels = options.label ? keys : autoLabels(keys.map((k) => byKey.get(k)![0]!.recipe));
  return keys.map((key, i) => ({ key, label: labels[i]!, runs: byKey.get(key)!.sort(bySeed) }));
}

function bySeed(a: RunData, b: RunData): number {
  const na = Number.parseFloat(a.seed);
  const nb = Number.parseFloat(b.seed);
  return na !== nb && Number.isFinite(na) && Number.isFinite(nb)
    ? na - nb
    : a.seed < b.seed
      ? -1
      : a.seed > b.seed
        ? 1
        : 0;
}

/** Labels for groups given one representative recipe each. */
function autoLabels(recipes: readonly Readonly<Record<string, unknown>>[]): string[] {
  const fallback = (r: Readonly<Record<string, unknown>>) =>
    [at(r, 'model.name'), at(r, 'dataset.name'), at(r, 'rewind.policy.name')]
      .filter((x) => x !== undefined)
      .join('.') || 'run';
  const names = recipes.map((r) => (typeof r.name === 'string' ? r.name : undefined));
  if (names.every((n) => n !== undefined) && new Set(names).size === names.length) return names as string[];
  if (recipes.length === 1) return [names[0] ?? fallback(recipes[0]!)];

  const flat = recipes.map((r) => flatten(r, ''));
  const paths = [...new Set(flat.flatMap((f) => [...f.keys()]))].filter(
    (p) => !SEED_FIELDS.includes(p.split('.')[0]!) && new Set(flat.map((f) => f.get(p) ?? '∅')).size > 1,
  );
  const make = (full: boolean) =>
    flat.map((f) =>
      paths
        .filter((p) => f.has(p))
        .map((p) => {
          const v = f.get(p)!;
          if (!full && p.endsWith('.name')) return v;
          return `${full ? p : p.split('.').pop()}=${v}`;
        })
        .join(', '),
    );
  let labels = make(false);
  if (new Set(labels).size !== labels.length) labels = make(true);
  return labels.map((l, i) => l || fallback(recipes[i]!));
}

/** Leaf paths → display values. Arrays of plugin references show their names joined by `+`. */
function flatten(value: unknown, prefix: string, out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    const named = value.every(
      (v) => v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string',
    );
    out.set(
      prefix,
      value.length === 0
        ? 'none'
        : named
          ? value.map((v) => (v as { name: string }).name).join('+')
          : canonicalJson(value),
    );
    if (named) {
      for (const [i, v] of value.entries())
        flatten((v as { options?: unknown }).options ?? {}, `${prefix}.${i}.options`, out);
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) {
    out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return out;
}

function at(value: unknown, path: string): string | undefined {
  let v: unknown = value;
  for (const k of path.split('.'))
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'string' ? v : undefined;
}
