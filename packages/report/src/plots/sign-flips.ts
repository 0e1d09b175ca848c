import { flipPoints } from '../aggregate.js';
import type { Plot } from '../plot.js';
import { PLOT_SIZE, VEGA_LITE_SCHEMA, groupColor } from '../spec-parts.js';

/**
 * Overall sign-flip fraction per round, one line per run group and comparison (solid: trained
 * weights vs the rewind anchor; dashed: vs the previous round; dotted: vs a reference run). Data:
 * `flips`.
 *
 * @example
 * ```ts
 * signFlips.spec(data);
 * ```
 */
export const signFlips: Plot = {
  name: 'sign-flips',
  title: 'Sign flips per round',
  description:
    'Fraction of the surviving weights whose sign differs between the round’s trained weights and the rewind anchor ' +
    '(solid), the previous round’s trained weights (dashed) or the reference run (dotted); mean over seeds.',
  spec(data) {
    const points = flipPoints(data.groups);
    if (points.length === 0) return undefined;
    const rounds = [...new Set(points.map((p) => p.round))].sort((a, b) => a - b);
    const dashes: Record<string, number[]> = {
      'vs anchor': [1, 0],
      'vs previous round': [6, 3],
      'vs reference': [2, 2],
    };
    const comparisons = Object.keys(dashes).filter((c) => points.some((p) => p.comparison === c));
    return {
      $schema: VEGA_LITE_SCHEMA,
      ...PLOT_SIZE,
      datasets: { flips: points.map((p) => ({ ...p, series: `${p.group} · ${p.comparison}` })) },
      data: { name: 'flips' },
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'round',
          type: 'quantitative',
          title: 'round',
          axis: { values: rounds, format: 'd' },
          scale: { domain: [rounds[0]!, rounds.at(-1)!] },
        },
        y: { field: 'mean', type: 'quantitative', title: 'sign-flip fraction', axis: { format: '.0%' } },
        color: groupColor(data),
        detail: { field: 'series', type: 'nominal' },
        strokeDash: {
          field: 'comparison',
          type: 'nominal',
          title: 'compared with',
          scale: { domain: comparisons, range: comparisons.map((c) => dashes[c]!) },
          legend: {
            orient: 'bottom',
            direction: 'vertical',
            symbolType: 'stroke',
            symbolStrokeWidth: 2,
            encode: { symbols: { update: { stroke: { value: '#555' } } } },
          },
        },
        tooltip: [
          { field: 'group', type: 'nominal' },
          { field: 'comparison', type: 'nominal' },
          { field: 'round', type: 'ordinal' },
          { field: 'mean', type: 'quantitative', title: 'flip fraction (mean)', format: '.2%' },
          { field: 'std', type: 'quantitative', format: '.2%' },
          { field: 'n', type: 'quantitative', title: 'seeds' },
        ],
      },
    };
  },
};
