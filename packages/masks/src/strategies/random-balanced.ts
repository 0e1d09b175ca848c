import { balancedAllocation } from '../allocations/balanced.js';
import { composeStrategy } from '../compose.js';
import { randomScore } from '../scores/random.js';
import { unstructuredSelection } from '../selections/unstructured.js';

/**
 * Random mask with the same number of weights in every layer (capped at the layer's size).
 *
 * @example
 * ```ts
 * const next = await randomBalanced.prune(ctx, {});
 * ```
 */
export const randomBalanced = composeStrategy({
  name: 'random-balanced',
  description: 'random weights, the same count in every layer (capped at the layer size)',
  reference: 'Gadhikar, Mukherjee & Burkholz, ICML 2023',
  score: randomScore,
  allocation: balancedAllocation,
  selection: unstructuredSelection,
});
