import { uniformAllocation } from '../allocations/uniform.js';
import { composeStrategy } from '../compose.js';
import { randomScore } from '../scores/random.js';
import { unstructuredSelection } from '../selections/unstructured.js';

/**
 * Random mask with the same density in every layer.
 *
 * @example
 * ```ts
 * const next = await randomUniform.prune(ctx, {});
 * ```
 */
export const randomUniform = composeStrategy({
  name: 'random-uniform',
  description: 'random weights, the same density in every layer',
  reference: 'Liu et al., ICLR 2022',
  score: randomScore,
  allocation: uniformAllocation,
  selection: unstructuredSelection,
});
