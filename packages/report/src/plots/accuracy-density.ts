import { densityPoints, hasMetric } from '../aggregate.js';
import type { Plot } from '../plot.js';
import {
  PLOT_SIZE,
  VEGA_LITE_SCHEMA,
  bandFields,
  bandName,
  groupColor,
  percentTicks,
} from '../spec-parts.js';

/**
 * Test accuracy against the percent of weights remaining (log axis, dense on the left), one
 * line per run group: the mean over seeds with a band (min–max or ± std). Falls back to the test
 * loss for runs without accuracy (regression). Data: `accuracy` (one row per group and round).
 *
 * @example
 * ```ts
 * accuracyDensity.spec(data); // Vega-Lite spec, or undefined when no round finished
 * ```
 */
export const accuracyDensity: Plot = {
  name: 'accuracy-density',
  title: 'Test accuracy vs weights remaining',
  description:
    'Test accuracy after each round against the percent of weights remaining (log scale, dense on the left; ticks at the rounds when there are few). ' +
    'One line per run group: the mean over seeds, with the shaded band spanning the seeds.',
  spec(data) {
    const metric = hasMetric(data.groups, 'testAccuracy') ? 'testAccuracy' : 'testLoss';
    const points = densityPoints(data.groups, metric);
    if (points.length === 0) return undefined;
    const [lo, hi] = bandFields(data.band);
    const minPercent = Math.min(...points.map((p) => p.percent));
    const distinct = [...new Set(points.map((p) => Number(p.percent.toPrecision(3))))];
    const yTitle = metric === 'testAccuracy' ? 'test accuracy' : 'test loss';
    const format = metric === 'testAccuracy' ? '.2%' : '.4g';
    const axisFormat = metric === 'testAccuracy' ? '.1%' : '.3g';
    return {
      $schema: VEGA_LITE_SCHEMA,
      ...PLOT_SIZE,
      datasets: { accuracy: points.map((p) => ({ ...p })) },
      data: { name: 'accuracy' },
      encoding: {
        x: {
          field: 'percent',
          type: 'quantitative',
          title: 'weights remaining (%, log scale)',
          scale: { type: 'log', reverse: true, domain: [minPercent, 100], nice: false },
          axis: { values: distinct.length <= 10 ? distinct : percentTicks(minPercent), format: '.3~g' },
        },
        color: groupColor(data),
      },
      layer: [
        {
          mark: { type: 'area', opacity: 0.18 },
          encoding: {
            y: {
              field: lo,
              type: 'quantitative',
              title: `${yTitle} (band: ${bandName(data.band)})`,
              scale: { zero: false },
            },
            y2: { field: hi },
          },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            y: { field: 'mean', type: 'quantitative', axis: { format: axisFormat } },
            tooltip: [
              { field: 'group', type: 'nominal' },
              { field: 'round', type: 'ordinal' },
              { field: 'percent', type: 'quantitative', title: 'weights remaining (%)', format: '.3~g' },
              { field: 'mean', type: 'quantitative', title: `${yTitle} (mean)`, format },
              { field: 'std', type: 'quantitative', title: 'std', format },
              { field: 'min', type: 'quantitative', format },
              { field: 'max', type: 'quantitative', format },
              { field: 'n', type: 'quantitative', title: 'seeds' },
            ],
          },
        },
      ],
    };
  },
};
