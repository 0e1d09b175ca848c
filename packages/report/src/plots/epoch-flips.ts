import { epochFlipPoints } from '../aggregate.js';
import type { Plot } from '../plot.js';
import { VEGA_LITE_SCHEMA, groupColor } from '../spec-parts.js';

/**
 * Early sign switches: the fraction of surviving weights that flipped sign during each epoch,
 * one panel per round, one line per run group (mean over seeds). Needs runs with
 * `signs.track` on. Data: `epochFlips`.
 *
 * @example
 * ```ts
 * epochFlips.spec(data); // undefined when no run tracked signs per epoch
 * ```
 */
export const epochFlips: Plot = {
  name: 'epoch-flips',
  title: 'Early sign switches',
  description:
    'Fraction of the surviving weights whose sign changed during each epoch, one panel per round, mean over seeds. ' +
    'The paper’s picture: LRR flips many signs in the first rounds, then its signs settle.',
  spec(data) {
    const points = epochFlipPoints(data.groups);
    if (points.length === 0) return undefined;
    return {
      $schema: VEGA_LITE_SCHEMA,
      datasets: { epochFlips: points.map((p) => ({ ...p })) },
      data: { name: 'epochFlips' },
      facet: { field: 'round', type: 'ordinal', title: 'round', header: { labelFontWeight: 'bold' } },
      columns: 5,
      spec: {
        width: 160,
        height: 120,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { format: 'd', tickMinStep: 1 } },
          y: { field: 'mean', type: 'quantitative', title: 'flip fraction', axis: { format: '.1%' } },
          color: groupColor(data),
          tooltip: [
            { field: 'group', type: 'nominal' },
            { field: 'round', type: 'ordinal' },
            { field: 'epoch', type: 'ordinal' },
            { field: 'mean', type: 'quantitative', title: 'flip fraction (mean)', format: '.3%' },
            { field: 'n', type: 'quantitative', title: 'seeds' },
          ],
        },
      },
      resolve: { scale: { y: 'shared' } },
    };
  },
};
