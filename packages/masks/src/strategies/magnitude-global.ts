import { globalAllocation } from '../allocations/global.js';
import { composeStrategy } from '../compose.js';
import { magnitudeScore } from '../scores/magnitude.js';
import { unstructuredSelection } from '../selections/unstructured.js';

/**
 * Global magnitude pruning, the paper's mask for IMP and LRR: keep the largest `|w|` over all
 * prunable parameters together. Prunes exactly `⌊f·N⌋` of the `N` surviving weights for a
 * fraction target (f = 0.2 per round in the paper); ties go to the earlier weight.
 *
 * @example
 * ```ts
 * const next = await magnitudeGlobal.prune({ ...ctx, target: { kind: 'fraction', fraction: 0.2 } }, {});
 * ```
 */
export const magnitudeGlobal = composeStrategy({
  name: 'magnitude-global',
  description: 'keep the largest |w| over all prunable parameters (IMP, LRR)',
  reference: 'Frankle & Carbin, ICLR 2019; Renda et al., ICLR 2020',
  score: magnitudeScore,
  allocation: globalAllocation,
  selection: unstructuredSelection,
});
