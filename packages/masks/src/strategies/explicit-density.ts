import { explicitAllocation } from '../allocations/explicit.js';
import { composeStrategy } from '../compose.js';
import { magnitudeScore } from '../scores/magnitude.js';
import { unstructuredSelection } from '../selections/unstructured.js';

/**
 * Magnitude pruning to a given density per layer, `{ densities: { conv1: 0.9, fc: 0.1 } }`; layers
 * not listed keep what survives (or `others: d`). The target is ignored.
 *
 * @example
 * ```ts
 * const next = await explicitDensity.prune(ctx, { densities: { 'fc1': 0.5 }, others: 'keep' });
 * ```
 */
export const explicitDensity = composeStrategy({
  name: 'explicit-density',
  description: 'largest |w| per layer to an explicit per-layer density map',
  score: magnitudeScore,
  allocation: explicitAllocation,
  selection: unstructuredSelection,
});
