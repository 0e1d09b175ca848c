import { uniformAllocation } from '../allocations/uniform.js';
import { composeStrategy } from '../compose.js';
import { magnitudeScore } from '../scores/magnitude.js';
import { unstructuredSelection } from '../selections/unstructured.js';

/**
 * Layer-wise magnitude pruning: every layer keeps the same density, its largest `|w|`.
 *
 * @example
 * ```ts
 * const next = await magnitudeLayerwise.prune(ctx, {});
 * ```
 */
export const magnitudeLayerwise = composeStrategy({
  name: 'magnitude-layerwise',
  description: 'keep the largest |w| of every layer, the same density in each',
  reference: 'Han et al. 2015; Zhu & Gupta 2017',
  score: magnitudeScore,
  allocation: uniformAllocation,
  selection: unstructuredSelection,
});
