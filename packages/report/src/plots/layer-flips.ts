import { layerFlipCells } from '../aggregate.js';
import type { Plot } from '../plot.js';
import { VEGA_LITE_SCHEMA } from '../spec-parts.js';

/**
 * Per-layer sign-flip fraction as a heat map (round × layer), one row of panels per run group,
 * one column per comparison (vs anchor, vs previous round). Data: `layerFlips`, one row per cell.
 *
 * @example
 * ```ts
 * layerFlips.spec(data);
 * ```
 */
export const layerFlips: Plot = {
  name: 'layer-flips',
  title: 'Sign flips per layer',
  description:
    'Per-layer fraction of surviving weights whose sign flipped, per round: against the rewind anchor (left) ' +
    'and against the previous round (right); one row per run group, mean over seeds. Darker = more flips.',
  spec(data) {
    const cells = [
      ...layerFlipCells(data.groups, 'vs anchor'),
      ...layerFlipCells(data.groups, 'vs previous round'),
    ];
    if (cells.length === 0) return undefined;
    // One facet (columns: comparison) per group, stacked: each group keeps its own layer axis.
    // (A row × column facet with an independent y scale trips a Vega-Lite bug: "datum is not defined".)
    const labels = data.groups.map((g) => g.label).filter((l) => cells.some((c) => c.group === l));
    return {
      $schema: VEGA_LITE_SCHEMA,
      datasets: { layerFlips: cells.map((c) => ({ ...c })) },
      data: { name: 'layerFlips' },
      vconcat: labels.map((label) => ({
        transform: [{ filter: { field: 'group', equal: label } }],
        title: { text: label, anchor: 'start', fontSize: 12 },
        facet: {
          column: {
            field: 'comparison',
            type: 'nominal',
            title: null,
            sort: ['vs anchor', 'vs previous round'],
          },
        },
        spec: {
          width: { step: 22 },
          height: { step: 16 },
          mark: 'rect',
          encoding: {
            x: { field: 'round', type: 'ordinal', title: 'round' },
            y: { field: 'layer', type: 'ordinal', title: null, sort: { field: 'layerIndex', op: 'min' } },
            color: {
              field: 'value',
              type: 'quantitative',
              title: 'flip fraction',
              scale: { scheme: 'oranges', domainMin: 0 },
              legend: { format: '.0%' },
            },
            tooltip: [
              { field: 'group', type: 'nominal' },
              { field: 'comparison', type: 'nominal' },
              { field: 'layer', type: 'nominal' },
              { field: 'round', type: 'ordinal' },
              { field: 'value', type: 'quantitative', title: 'flip fraction (mean)', format: '.2%' },
              { field: 'n', type: 'quantitative', title: 'seeds' },
            ],
          },
        },
      })),
      resolve: { scale: { color: 'shared' } },
    };
  },
};
