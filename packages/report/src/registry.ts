import { Registry } from '@prunekit/core';
import type { Plot } from './plot.js';
import { accuracyDensity } from './plots/accuracy-density.js';
import { epochFlips } from './plots/epoch-flips.js';
import { layerDensity } from './plots/layer-density.js';
import { layerFlips } from './plots/layer-flips.js';
import { neuronSuccess } from './plots/neuron-success.js';
import { signFlips } from './plots/sign-flips.js';

/**
 * The plots of a report, in page order. Nothing registers at import time: pass
 * `[...builtinPlots, myPlot]` to `writeReport`, or look plots up by name in
 * {@link createPlotRegistry}.
 *
 * @example
 * ```ts
 * builtinPlots.map((p) => p.name);
 * // ['accuracy-density', 'sign-flips', 'layer-flips', 'layer-density', 'epoch-flips', 'neuron-success']
 * ```
 */
export const builtinPlots: readonly Plot[] = [
  accuracyDensity,
  signFlips,
  layerFlips,
  layerDensity,
  epochFlips,
  neuronSuccess,
];

/**
 * A new registry of plots holding the built-ins. Unknown names throw `E_UNKNOWN_NAME` and list the
 * known ones.
 *
 * @example
 * ```ts
 * const plots = createPlotRegistry().register(myPlot);
 * await writeReport(dirs, { out: 'report.html', plots: ['accuracy-density', 'my-plot'].map((n) => plots.get(n)) });
 * ```
 */
export function createPlotRegistry(): Registry<Plot> {
  return new Registry('plot', builtinPlots);
}
