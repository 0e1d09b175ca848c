import { type Mask, PruneError, countOnes } from '@prunekit/core';

/** A number for two masks overall and per parameter. */
export interface MaskComparison {
  readonly value: number;
  readonly perLayer: Readonly<Record<string, number>>;
}

/** Size, kept count and density of one parameter's mask. */
export interface LayerDensity {
  readonly size: number;
  readonly kept: number;
  readonly density: number;
}

/** Density overall and per parameter. */
export interface DensityReport {
  readonly size: number;
  readonly kept: number;
  readonly density: number;
  readonly perLayer: Readonly<Record<string, LayerDensity>>;
}

/**
 * Density of a mask overall and per parameter (an empty mask or layer has density 1).
 *
 * @example
 * ```ts
 * densityReport(mask).perLayer['fc1.weight'].density; // e.g. 0.8
 * ```
 */
export function densityReport(mask: Mask): DensityReport {
  const perLayer: Record<string, LayerDensity> = {};
  let size = 0;
  let kept = 0;
  for (const [name, t] of mask.entries()) {
    const k = countOnes(t.data);
    perLayer[name] = { size: t.data.length, kept: k, density: t.data.length === 0 ? 1 : k / t.data.length };
    size += t.data.length;
    kept += k;
  }
  return { size, kept, density: size === 0 ? 1 : kept / size, perLayer };
}

/**
 * Intersection of one or more masks (weights every mask keeps). Same names and shapes required.
 *
 * @example
 * ```ts
 * intersectMasks(a, b, c).count();
 * ```
 */
export function intersectMasks(first: Mask, ...rest: Mask[]): Mask {
  return rest.reduce((acc, m) => acc.intersect(m), first);
}

/**
 * Jaccard similarity `|a ∧ b| / |a ∨ b|` of the kept weights, overall and per parameter (1 when
 * both keep nothing). Throws `E_MASK` unless the masks cover the same parameters and shapes.
 *
 * @example
 * ```ts
 * jaccard(impMask, lrrMask).value; // 1 = identical masks
 * ```
 */
export function jaccard(a: Mask, b: Mask): MaskComparison {
  a.assertCompatible(b, 'the second mask');
  const perLayer: Record<string, number> = {};
  let both = 0;
  let either = 0;
  for (const [name, t] of a.entries()) {
    const o = b.get(name).data;
    let n = 0;
    let u = 0;
    for (let i = 0; i < t.data.length; i++) {
      n += t.data[i]! & o[i]!;
      u += t.data[i]! | o[i]!;
    }
    perLayer[name] = u === 0 ? 1 : n / u;
    both += n;
    either += u;
  }
  return { value: either === 0 ? 1 : both / either, perLayer };
}

/**
 * Hamming distance: how many weights one mask keeps and the other prunes, overall and per
 * parameter; with `normalized: true`, as a fraction of the weights compared.
 *
 * @example
 * ```ts
 * hamming(round1, round2).value;                       // weights pruned in round 2
 * hamming(round1, round2, { normalized: true }).value; // as a fraction
 * ```
 */
export function hamming(a: Mask, b: Mask, options: { normalized?: boolean } = {}): MaskComparison {
  a.assertCompatible(b, 'the second mask');
  const perLayer: Record<string, number> = {};
  let diff = 0;
  let size = 0;
  for (const [name, t] of a.entries()) {
    const o = b.get(name).data;
    let d = 0;
    for (let i = 0; i < t.data.length; i++) d += t.data[i]! ^ o[i]!;
    perLayer[name] = options.normalized ? (t.data.length === 0 ? 0 : d / t.data.length) : d;
    diff += d;
    size += t.data.length;
  }
  return { value: options.normalized ? (size === 0 ? 0 : diff / size) : diff, perLayer };
}

/**
 * The round at which each weight was pruned, from the masks of consecutive rounds: `masks[j]` is
 * the mask made by round `firstRound + j` (default `firstRound` 1). A weight kept by every mask
 * gets 0; one first pruned in `masks[j]` gets `firstRound + j`. Masks must only shrink (`E_MASK`
 * names the first weight that comes back) and share names and shapes.
 *
 * @example
 * ```ts
 * const when = pruneRounds([m1, m2, m3]);
 * when.get('fc1.weight'); // Uint16Array: 0 = never pruned, 2 = pruned in round 2
 * ```
 */
export function pruneRounds(
  masks: readonly Mask[],
  options: { firstRound?: number } = {},
): Map<string, Uint16Array> {
  const first = options.firstRound ?? 1;
  if (!Number.isInteger(first) || first < 1 || first + masks.length - 1 > 65535) {
    throw new PruneError(
      'E_RECIPE',
      `pruneRounds: rounds ${first}..${first + masks.length - 1} do not fit 1..65535`,
    );
  }
  const out = new Map<string, Uint16Array>();
  const head = masks[0];
  if (!head) return out;
  for (const [name, t] of head.entries()) out.set(name, new Uint16Array(t.data.length));
  masks.forEach((m, j) => {
    head.assertCompatible(m, `mask ${j}`);
    for (const [name, rounds] of out) {
      const d = m.get(name).data;
      for (let i = 0; i < d.length; i++) {
        if (d[i] === 0) {
          if (rounds[i] === 0) rounds[i] = first + j;
        } else if (rounds[i] !== 0) {
          throw new PruneError(
            'E_MASK',
            `pruneRounds: weight ${i} of '${name}' is pruned in round ${rounds[i]} but kept again in round ${first + j}`,
            { hint: 'pass the masks of one run in round order; masks only shrink' },
          );
        }
      }
    }
  });
  return out;
}

/** One row of a {@link MaskSummary}. */
export interface MaskSummaryRow {
  readonly name: string;
  readonly size: number;
  /** Kept count in each mask. */
  readonly kept: readonly number[];
  /** Density in each mask. */
  readonly density: readonly number[];
}

/** Per-parameter kept counts and densities of several masks side by side. */
export interface MaskSummary {
  readonly labels: readonly string[];
  readonly rows: readonly MaskSummaryRow[];
  readonly total: MaskSummaryRow;
}

/**
 * Summarize masks side by side (e.g. the rounds of a run): per parameter and in total, the size,
 * kept counts and densities. Pass an array (labelled `round 1…`) or a record of labelled masks.
 *
 * @example
 * ```ts
 * console.log(formatMaskSummary(summarizeMasks({ imp: impMask, lrr: lrrMask })));
 * ```
 */
export function summarizeMasks(masks: readonly Mask[] | Readonly<Record<string, Mask>>): MaskSummary {
  const entries: [string, Mask][] = Array.isArray(masks)
    ? (masks as readonly Mask[]).map((m, i) => [`round ${i + 1}`, m])
    : Object.entries(masks as Record<string, Mask>);
  const head = entries[0]?.[1];
  if (!head) return { labels: [], rows: [], total: { name: 'total', size: 0, kept: [], density: [] } };
  for (const [label, m] of entries) head.assertCompatible(m, `mask '${label}'`);
  const rows = head.names().map((name) => {
    const size = head.size(name);
    const kept = entries.map(([, m]) => m.count(name));
    return { name, size, kept, density: kept.map((k) => (size === 0 ? 1 : k / size)) };
  });
  const size = head.size();
  const kept = entries.map(([, m]) => m.count());
  return {
    labels: entries.map(([l]) => l),
    rows,
    total: { name: 'total', size, kept, density: kept.map((k) => (size === 0 ? 1 : k / size)) },
  };
}

/**
 * A plain-text table of a {@link MaskSummary}: one line per parameter, one density column (in %,
 * with the kept count) per mask, and a total line.
 *
 * @example
 * ```ts
 * formatMaskSummary(summarizeMasks([m1, m2]));
 * // parameter    size  round 1        round 2
 * // fc1.weight     6   66.67% (4)     33.33% (2) …
 * ```
 */
export function formatMaskSummary(summary: MaskSummary): string {
  const cell = (row: MaskSummaryRow, j: number) => `${(row.density[j]! * 100).toFixed(2)}% (${row.kept[j]})`;
  const table = [
    ['parameter', 'size', ...summary.labels],
    ...[...summary.rows, summary.total].map((r) => [
      r.name,
      String(r.size),
      ...summary.labels.map((_, j) => cell(r, j)),
    ]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  return table
    .map((row) => row.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  '))
    .join('\n');
}
