import { globalAllocation } from '../allocations/global.js';
import { composeStrategy } from '../compose.js';
import { synflowScore } from '../scores/synflow.js';
import { unstructuredSelection } from '../selections/unstructured.js';

/**
 * Iterative SynFlow (data-free): `iterations` rounds of scoring the linearized network and
 * pruning globally along an exponential schedule to the target. Needs `ctx.model`; restores the
 * model's weights.
 *
 * @example
 * ```ts
 * const next = await synflow.prune({ ...ctx, model }, { iterations: 100 });
 * ```
 */
export const synflow = composeStrategy({
  name: 'synflow',
  description: 'iterative SynFlow |θ · ∂R/∂θ| on the linearized network, global, data-free',
  reference: 'Tanaka, Kunin, Yamins & Ganguli, NeurIPS 2020',
  score: synflowScore,
  allocation: globalAllocation,
  selection: unstructuredSelection,
});
