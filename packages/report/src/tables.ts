import type { RunGroup } from './group-runs.js';
import type { RoundRecord, RoundSignsRecord } from './read-run.js';
import { type Stats, summarize } from './stats.js';

/** The numbers of one group at one round, over seeds. */
export interface RoundRow {
  readonly group: string;
  readonly round: number;
  /** Seeds that recorded this round. */
  readonly seeds: number;
  /** Mean density (fraction of prunable weights kept). */
  readonly density: number;
  readonly testAccuracy?: Stats;
  readonly testLoss?: Stats;
  readonly flipVsAnchor?: Stats;
  readonly flipVsPrevious?: Stats;
  readonly flipVsReference?: Stats;
}

/** One group's line in the table of final numbers. */
export interface GroupSummary {
  readonly group: string;
  /** The seeds, as labelled by `readRun`. */
  readonly seeds: readonly string[];
  /** Runs with a `done.json`. */
  readonly finished: number;
  /** Mean density at each recorded round, in round order. */
  readonly densities: readonly number[];
  /** The last round any seed recorded (undefined when none has finished a round). */
  readonly final?: RoundRow;
}

/**
 * Per group and round: density, test accuracy and loss, and sign flips, over seeds.
 *
 * @example
 * ```ts
 * roundRows(groups).filter((r) => r.group === 'lr-rewind').map((r) => r.testAccuracy?.mean);
 * ```
 */
export function roundRows(groups: readonly RunGroup[]): RoundRow[] {
  const out: RoundRow[] = [];
  for (const g of groups) {
    const rounds = [...new Set(g.runs.flatMap((r) => r.rounds.map((x) => x.round)))].sort((a, b) => a - b);
    for (const round of rounds) {
      const recs = g.runs
        .map((r) => r.rounds.find((x) => x.round === round))
        .filter((x): x is RoundRecord => !!x);
      const signs = g.runs
        .map((r) => r.roundSigns.find((x) => x.round === round))
        .filter((x): x is RoundSignsRecord => !!x);
      const row: { -readonly [K in keyof RoundRow]: RoundRow[K] } = {
        group: g.label,
        round,
        seeds: recs.length,
        density: summarize(recs.map((x) => x.density))!.mean,
      };
      const put = (
        key: 'testAccuracy' | 'testLoss' | 'flipVsAnchor' | 'flipVsPrevious' | 'flipVsReference',
        s: Stats | undefined,
      ) => {
        if (s) row[key] = s;
      };
      put('testAccuracy', summarize(recs.map((x) => x.testAccuracy)));
      put('testLoss', summarize(recs.map((x) => x.testLoss)));
      put('flipVsAnchor', summarize(signs.map((x) => x.flipVsAnchor.value)));
      put('flipVsPrevious', summarize(signs.map((x) => x.flipVsPrevious?.value)));
      put('flipVsReference', summarize(signs.map((x) => x.flipVsReference?.value)));
      out.push(row);
    }
  }
  return out;
}

/**
 * One summary per group: seeds, densities round by round, and the numbers of the last round.
 *
 * @example
 * ```ts
 * groupSummaries(groups).map((s) => [s.group, s.final?.testAccuracy?.mean]);
 * ```
 */
export function groupSummaries(groups: readonly RunGroup[]): GroupSummary[] {
  const rows = roundRows(groups);
  return groups.map((g) => {
    const mine = rows.filter((r) => r.group === g.label);
    const last = mine.at(-1);
    return {
      group: g.label,
      seeds: g.runs.map((r) => r.seed),
      finished: g.runs.filter((r) => r.finished).length,
      densities: mine.map((r) => r.density),
      ...(last ? { final: last } : {}),
    };
  });
}
