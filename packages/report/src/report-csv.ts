import { neuronRatePoints, neuronSignPoints } from './aggregate.js';
import type { RunGroup } from './group-runs.js';
import type { NeuronStudyData } from './read-neuron-study.js';
import type { Stats } from './stats.js';
import { roundRows } from './tables.js';

/**
 * Columns of `report.csv`: one row per run group and round.
 *
 * @example
 * ```ts
 * REPORT_CSV_COLUMNS.indexOf('test_accuracy_mean'); // 5
 * ```
 */
export const REPORT_CSV_COLUMNS: readonly string[] = [
  'group',
  'round',
  'seeds',
  'density',
  'percent_remaining',
  'test_accuracy_mean',
  'test_accuracy_std',
  'test_accuracy_min',
  'test_accuracy_max',
  'test_loss_mean',
  'test_loss_std',
  'flip_vs_anchor_mean',
  'flip_vs_anchor_std',
  'flip_vs_previous_mean',
  'flip_vs_previous_std',
  'flip_vs_reference_mean',
];

/**
 * Columns of `report-neuron.csv`: one row per study, d and method.
 *
 * @example
 * ```ts
 * NEURON_CSV_COLUMNS[3]; // 'success_rate'
 * ```
 */
export const NEURON_CSV_COLUMNS: readonly string[] = [
  'study',
  'd',
  'method',
  'success_rate',
  'seeds',
  'w1_positive_at_init',
  'w1_positive_after_dense',
];

/**
 * A CSV cell: numbers to 8 significant digits, text quoted when it holds `,`, `"` or a line break.
 *
 * @example
 * ```ts
 * csvCell(1 / 3);     // '0.33333333'
 * csvCell('a, b');    // '"a, b"'
 * ```
 */
export function csvCell(v: string | number | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toPrecision(8))) : '';
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

const line = (cells: readonly (string | number | undefined)[]) => cells.map(csvCell).join(',');

/**
 * The report's numbers as CSV text: per run group and round, density, test accuracy (mean, std,
 * min, max over seeds), test loss and sign-flip fractions. Empty cells where a value is missing.
 *
 * @example
 * ```ts
 * writeFileSync('report.csv', reportCsv(groupRuns(runs)));
 * ```
 */
export function reportCsv(groups: readonly RunGroup[]): string {
  const m = (s: Stats | undefined, k: keyof Stats) => s?.[k];
  const rows = roundRows(groups).map((r) =>
    line([
      r.group,
      r.round,
      r.seeds,
      r.density,
      100 * r.density,
      m(r.testAccuracy, 'mean'),
      m(r.testAccuracy, 'std'),
      m(r.testAccuracy, 'min'),
      m(r.testAccuracy, 'max'),
      m(r.testLoss, 'mean'),
      m(r.testLoss, 'std'),
      m(r.flipVsAnchor, 'mean'),
      m(r.flipVsAnchor, 'std'),
      m(r.flipVsPrevious, 'mean'),
      m(r.flipVsPrevious, 'std'),
      m(r.flipVsReference, 'mean'),
    ]),
  );
  return `${REPORT_CSV_COLUMNS.join(',')}\n${rows.map((r) => `${r}\n`).join('')}`;
}

/**
 * One-neuron study numbers as CSV text: success rate per study, d and method, with the share of
 * seeds whose w₁ was positive at init and after dense training (empty without the per-seed CSV).
 *
 * @example
 * ```ts
 * neuronCsv([readNeuronStudy('studies/neuron')]);
 * ```
 */
export function neuronCsv(studies: readonly NeuronStudyData[]): string {
  const signs = neuronSignPoints(studies);
  const rows = neuronRatePoints(studies).map((p) => {
    const s = signs.find((x) => x.study === p.study && x.d === p.d);
    return line([p.study, p.d, p.method, p.successRate, p.n, s?.positiveAtInit, s?.positiveAfterDense]);
  });
  return `${NEURON_CSV_COLUMNS.join(',')}\n${rows.map((r) => `${r}\n`).join('')}`;
}
