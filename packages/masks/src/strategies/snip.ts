import { globalAllocation } from '../allocations/global.js';
import { composeStrategy } from '../compose.js';
import { snipScore } from '../scores/snip.js';
import { unstructuredSelection } from '../selections/unstructured.js';

/**
 * SNIP: keep the weights with the largest `|w · ∂L/∂w|` over all layers (global). Needs
 * `ctx.model`, `ctx.batches` and `ctx.loss`.
 *
 * @example
 * ```ts
 * const next = await snip.prune({ ...ctx, model, batches, loss }, { batches: 1, bnMode: 'eval' });
 * ```
 */
export const snip = composeStrategy({
  name: 'snip',
  description: 'SNIP connection sensitivity |w · ∂L/∂w|, global',
  reference: 'Lee, Ajanthan & Torr, ICLR 2019',
  score: snipScore,
  allocation: globalAllocation,
  selection: unstructuredSelection,
});
