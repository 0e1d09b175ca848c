import { neuronRatePoints } from '../aggregate.js';
import type { Plot } from '../plot.js';
import { VEGA_LITE_SCHEMA } from '../spec-parts.js';

/**
 * The one-hidden-neuron study: success rate (test MSE below the threshold) of IMP and LRR per
 * input dimension d, one panel per study directory. Data: `neuron`.
 *
 * @example
 * ```ts
 * neuronSuccess.spec(data); // undefined without study directories
 * ```
 */
export const neuronSuccess: Plot = {
  name: 'neuron-success',
  title: 'One-neuron study: success rates',
  description:
    'Share of seeds for which the pruned one-hidden-neuron student reaches the target (test MSE below the threshold), ' +
    'for IMP (reset to the initial weights) and LRR (keep the trained weights), per input dimension d.',
  spec(data) {
    const points = neuronRatePoints(data.studies);
    if (points.length === 0) return undefined;
    const methods = [...new Set(points.map((p) => p.method))];
    const known = ['imp', 'lrr'];
    const domain = [
      ...known.filter((m) => methods.includes(m)),
      ...methods.filter((m) => !known.includes(m)),
    ];
    return {
      $schema: VEGA_LITE_SCHEMA,
      datasets: { neuron: points.map((p) => ({ ...p, METHOD: p.method.toUpperCase() })) },
      data: { name: 'neuron' },
      facet: { field: 'study', type: 'nominal', title: null },
      columns: 2,
      spec: {
        width: { step: 28 },
        height: 220,
        mark: 'bar',
        encoding: {
          x: { field: 'd', type: 'ordinal', title: 'input dimension d', axis: { labelAngle: 0 } },
          xOffset: { field: 'METHOD', type: 'nominal', sort: domain.map((m) => m.toUpperCase()) },
          y: {
            field: 'successRate',
            type: 'quantitative',
            title: 'success rate',
            scale: { domain: [0, 1] },
            axis: { format: '.0%' },
          },
          color: {
            field: 'METHOD',
            type: 'nominal',
            title: 'method',
            scale: { domain: domain.map((m) => m.toUpperCase()) },
          },
          tooltip: [
            { field: 'study', type: 'nominal' },
            { field: 'd', type: 'ordinal' },
            { field: 'METHOD', type: 'nominal', title: 'method' },
            { field: 'successRate', type: 'quantitative', title: 'success rate', format: '.1%' },
            { field: 'n', type: 'quantitative', title: 'seeds' },
          ],
        },
      },
    };
  },
};
