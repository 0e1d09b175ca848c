import type { RunGroup } from './group-runs.js';
import type { NeuronStudyData } from './read-neuron-study.js';
import type { FlipSummary, RoundRecord, RoundSignsRecord } from './read-run.js';
import { type Stats, summarize } from './stats.js';

/** A metric of a round record that can be plotted against density. */
export type RoundMetric = 'testAccuracy' | 'testLoss' | 'validationAccuracy' | 'validationLoss' | 'trainLoss';

/** One point of a group's metric-vs-density line: the mean over seeds, with its spread. */
export interface DensityPoint extends Stats {
  readonly group: string;
  readonly round: number;
  /** Mean density over the seeds (they normally agree). */
  readonly density: number;
  /** `100 · density`: percent of weights remaining (the log x axis). */
  readonly percent: number;
  /** `mean − std` and `mean + std`. */
  readonly low: number;
  readonly high: number;
}

/** Which sign comparison a flip fraction is. */
export type FlipComparison = 'vs anchor' | 'vs previous round' | 'vs reference';

/** A group's mean flip fraction at one round for one comparison. */
export interface FlipPoint extends Stats {
  readonly group: string;
  readonly round: number;
  readonly density: number;
  readonly comparison: FlipComparison;
}

/** One cell of a round × layer heat map: the mean over seeds. */
export interface LayerCell {
  readonly group: string;
  readonly round: number;
  readonly layer: string;
  /** Position of the layer in the model (first appearance in the files), for sorting. */
  readonly layerIndex: number;
  readonly value: number;
  readonly n: number;
}

/** A flip-fraction heat-map cell, with its comparison. */
export interface LayerFlipCell extends LayerCell {
  readonly comparison: FlipComparison;
}

/** A group's mean flip fraction in one epoch of one round (early sign switches). */
export interface EpochFlipPoint extends Stats {
  readonly group: string;
  readonly round: number;
  readonly epoch: number;
}

/** A study's success rate of one method at one d. */
export interface NeuronRatePoint {
  readonly study: string;
  readonly d: number;
  readonly method: string;
  readonly successRate: number;
  readonly n: number;
}

/** Per d: how often the sign of w₁ was right (positive) at init and after dense training. */
export interface NeuronSignPoint {
  readonly study: string;
  readonly d: number;
  /** Seeds with w₁(0) > 0 (IMP's success needs this), as a fraction. */
  readonly positiveAtInit: number;
  /** Seeds with w₁ > 0 after dense training (LRR's success needs this), as a fraction. */
  readonly positiveAfterDense: number;
  readonly n: number;
}

/** The rounds that any run of the group recorded, ascending. */
function roundsOf(
  group: RunGroup,
  pick: (run: RunGroup['runs'][number]) => readonly { round: number }[],
): number[] {
  return [...new Set(group.runs.flatMap((r) => pick(r).map((x) => x.round)))].sort((a, b) => a - b);
}

/**
 * A metric against density, per group and round: mean, sample std, min and max over seeds.
 * Rounds where no seed has the metric are left out, as are points at density 0 (not on a log
 * axis).
 *
 * @example
 * ```ts
 * densityPoints(groupRuns(runs)).map((p) => [p.group, p.percent, p.mean]);
 * ```
 */
export function densityPoints(
  groups: readonly RunGroup[],
  metric: RoundMetric = 'testAccuracy',
): DensityPoint[] {
  const out: DensityPoint[] = [];
  for (const g of groups) {
    for (const round of roundsOf(g, (r) => r.rounds)) {
      const recs = g.runs
        .map((r) => r.rounds.find((x) => x.round === round))
        .filter((x): x is RoundRecord => !!x);
      const s = summarize(recs.map((x) => x[metric]));
      const density = summarize(recs.map((x) => x.density))!.mean;
      if (!s || density <= 0) continue;
      out.push({
        group: g.label,
        round,
        density,
        percent: 100 * density,
        ...s,
        low: s.mean - s.std,
        high: s.mean + s.std,
      });
    }
  }
  return out;
}

/**
 * Whether any run of any group recorded `metric`.
 *
 * @example
 * ```ts
 * hasMetric(groups, 'testAccuracy'); // false for regression runs
 * ```
 */
export function hasMetric(groups: readonly RunGroup[], metric: RoundMetric): boolean {
  return groups.some((g) => g.runs.some((r) => r.rounds.some((x) => typeof x[metric] === 'number')));
}

const COMPARISONS: readonly [FlipComparison, (s: RoundSignsRecord) => FlipSummary | undefined][] = [
  ['vs anchor', (s) => s.flipVsAnchor],
  ['vs previous round', (s) => s.flipVsPrevious],
  ['vs reference', (s) => s.flipVsReference],
];

/**
 * Overall sign-flip fraction per group, round and comparison (trained weights vs the rewind
 * anchor, vs the previous round's trained weights, vs a reference run), over seeds.
 *
 * @example
 * ```ts
 * flipPoints(groups).filter((p) => p.comparison === 'vs anchor');
 * ```
 */
export function flipPoints(groups: readonly RunGroup[]): FlipPoint[] {
  const out: FlipPoint[] = [];
  for (const g of groups) {
    for (const [comparison, pick] of COMPARISONS) {
      for (const round of roundsOf(g, (r) => r.roundSigns)) {
        const recs = g.runs
          .map((r) => r.roundSigns.find((x) => x.round === round))
          .filter((x): x is RoundSignsRecord => !!x);
        const s = summarize(recs.map((x) => pick(x)?.value));
        if (!s) continue;
        out.push({
          group: g.label,
          round,
          density: summarize(recs.map((x) => x.density))!.mean,
          comparison,
          ...s,
        });
      }
    }
  }
  return out;
}

/**
 * Mean over seeds of a per-layer quantity, per group, round and layer: the cells of a
 * round × layer heat map. `pick` returns a run's per-layer values at a round (or nothing).
 */
function layerCells(
  groups: readonly RunGroup[],
  rounds: (g: RunGroup) => number[],
  pick: (run: RunGroup['runs'][number], round: number) => Readonly<Record<string, number>> | undefined,
): LayerCell[] {
  const out: LayerCell[] = [];
  for (const g of groups) {
    const order = new Map<string, number>();
    const rs = rounds(g);
    for (const round of rs) {
      for (const run of g.runs)
        for (const layer of Object.keys(pick(run, round) ?? {}))
          if (!order.has(layer)) order.set(layer, order.size);
    }
    for (const round of rs) {
      for (const [layer, layerIndex] of order) {
        const s = summarize(g.runs.map((run) => pick(run, round)?.[layer]));
        if (s) out.push({ group: g.label, round, layer, layerIndex, value: s.mean, n: s.n });
      }
    }
  }
  return out;
}

/**
 * Heat-map cells of the per-layer flip fraction (round × layer), mean over seeds, for one
 * comparison (default: vs the anchor).
 *
 * @example
 * ```ts
 * layerFlipCells(groups, 'vs previous round').filter((c) => c.layer === 'fc1/kernel');
 * ```
 */
export function layerFlipCells(
  groups: readonly RunGroup[],
  comparison: FlipComparison = 'vs anchor',
): LayerFlipCell[] {
  const pick = COMPARISONS.find(([c]) => c === comparison)![1];
  return layerCells(
    groups,
    (g) => roundsOf(g, (r) => r.roundSigns),
    (run, round) => {
      const s = run.roundSigns.find((x) => x.round === round);
      return s ? pick(s)?.perLayer : undefined;
    },
  ).map((c) => ({ ...c, comparison }));
}

/**
 * Per-layer density per group and round (from the round records' `layerDensity`), mean over seeds.
 *
 * @example
 * ```ts
 * layerDensityCells(groups).filter((c) => c.round === 3);
 * ```
 */
export function layerDensityCells(groups: readonly RunGroup[]): LayerCell[] {
  return layerCells(
    groups,
    (g) => roundsOf(g, (r) => r.rounds),
    (run, round) => run.rounds.find((x) => x.round === round)?.layerDensity,
  );
}

/**
 * Flip fraction per epoch inside each round (the `epoch-flips` records), per group, over seeds.
 *
 * @example
 * ```ts
 * epochFlipPoints(groups).filter((p) => p.round === 1);
 * ```
 */
export function epochFlipPoints(groups: readonly RunGroup[]): EpochFlipPoint[] {
  const out: EpochFlipPoint[] = [];
  for (const g of groups) {
    const keys = new Map<string, { round: number; epoch: number }>();
    for (const run of g.runs)
      for (const e of run.epochFlips) keys.set(`${e.round}/${e.epoch}`, { round: e.round, epoch: e.epoch });
    const sorted = [...keys.values()].sort((a, b) => a.round - b.round || a.epoch - b.epoch);
    for (const { round, epoch } of sorted) {
      const s = summarize(
        g.runs.map((run) => run.epochFlips.find((x) => x.round === round && x.epoch === epoch)?.flipFraction),
      );
      if (s) out.push({ group: g.label, round, epoch, ...s });
    }
  }
  return out;
}

/**
 * The success rates of one-neuron studies, one point per study, d and method.
 *
 * @example
 * ```ts
 * neuronRatePoints([readNeuronStudy('studies/neuron')]);
 * ```
 */
export function neuronRatePoints(studies: readonly NeuronStudyData[]): NeuronRatePoint[] {
  return studies.flatMap((s) =>
    s.rates.map((r) => ({ study: s.label, d: r.d, method: r.method, successRate: r.successRate, n: r.n })),
  );
}

/**
 * From the per-seed CSV rows: per study and d, the fraction of seeds whose w₁ was positive at
 * init and after dense training (both are shared by IMP and LRR, so each seed counts once).
 *
 * @example
 * ```ts
 * neuronSignPoints(studies).map((p) => [p.d, p.positiveAtInit, p.positiveAfterDense]);
 * ```
 */
export function neuronSignPoints(studies: readonly NeuronStudyData[]): NeuronSignPoint[] {
  const out: NeuronSignPoint[] = [];
  for (const s of studies) {
    const seeds = new Map<string, { d: number; init: number; dense: number }>();
    for (const t of s.trials)
      seeds.set(`${t.d}/${t.seed}`, { d: t.d, init: t.signW1Init, dense: t.signW1Dense });
    const ds = [...new Set([...seeds.values()].map((x) => x.d))].sort((a, b) => a - b);
    for (const d of ds) {
      const xs = [...seeds.values()].filter((x) => x.d === d);
      out.push({
        study: s.label,
        d,
        positiveAtInit: xs.filter((x) => x.init > 0).length / xs.length,
        positiveAfterDense: xs.filter((x) => x.dense > 0).length / xs.length,
        n: xs.length,
      });
    }
  }
  return out;
}
