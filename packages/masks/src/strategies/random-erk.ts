import { erkAllocation } from '../allocations/erk.js';
import { composeStrategy } from '../compose.js';
import { randomScore } from '../scores/random.js';
import { unstructuredSelection } from '../selections/unstructured.js';

/**
 * Random mask with Erdős–Rényi-kernel layer densities.
 *
 * @example
 * ```ts
 * const next = await randomErk.prune({ ...ctx, target: { kind: 'density', density: 0.1 } }, { erkPower: 1 });
 * ```
 */
export const randomErk = composeStrategy({
  name: 'random-erk',
  description: 'random weights, per-layer densities from the Erdős–Rényi-kernel rule',
  reference: 'Evci et al., ICML 2020; Liu et al., ICLR 2022',
  score: randomScore,
  allocation: erkAllocation,
  selection: unstructuredSelection,
});
