import { layerDensityCells } from '../aggregate.js';
import type { Plot } from '../plot.js';
import { VEGA_LITE_SCHEMA } from '../spec-parts.js';

/**
 * Percent of weights remaining in each prunable parameter per round (log scale), one panel per
 * run group, one line per layer. Layers pruned to nothing are left off the log axis. Data:
 * `layerDensity`.
 *
 * @example
 * ```ts
 * layerDensity.spec(data);
 * ```
 */
export const layerDensity: Plot = {
  name: 'layer-density',
  title: 'Density per layer',
  description:
    'Percent of weights remaining in each prunable parameter after each round’s pruning (log scale), ' +
    'one panel per run group, mean over seeds. Shows where a mask strategy takes its weights from.',
  spec(data) {
    const cells = layerDensityCells(data.groups).map((c) => ({ ...c, percent: 100 * c.value }));
    if (cells.length === 0) return undefined;
    return {
      $schema: VEGA_LITE_SCHEMA,
      datasets: { layerDensity: cells },
      data: { name: 'layerDensity' },
      transform: [{ filter: 'datum.percent > 0' }],
      facet: {
        field: 'group',
        type: 'nominal',
        title: null,
        sort: data.groups.map((g) => g.label),
        header: { labelLimit: 360 },
      },
      columns: 2,
      spec: {
        width: 340,
        height: 220,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'round', type: 'quantitative', title: 'round', axis: { format: 'd', tickMinStep: 1 } },
          y: {
            field: 'percent',
            type: 'quantitative',
            title: 'weights remaining (%, log)',
            scale: { type: 'log' },
            axis: { format: '~g' },
          },
          color: {
            field: 'layer',
            type: 'nominal',
            title: 'parameter',
            sort: { field: 'layerIndex', op: 'min' },
            legend: { labelLimit: 300 },
          },
          tooltip: [
            { field: 'group', type: 'nominal' },
            { field: 'layer', type: 'nominal' },
            { field: 'round', type: 'ordinal' },
            { field: 'percent', type: 'quantitative', title: 'weights remaining (%)', format: '.3~g' },
          ],
        },
      },
    };
  },
};
