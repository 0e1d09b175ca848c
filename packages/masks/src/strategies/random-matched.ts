import { matchedAllocation } from '../allocations/matched.js';
import { composeStrategy } from '../compose.js';
import { randomScore } from '../scores/random.js';
import { unstructuredSelection } from '../selections/unstructured.js';

/**
 * Random mask with matched layer-wise density: per layer, keep as many weights as a reference
 * mask does (another run's mask of this round, or a Mask), chosen uniformly at random among the
 * surviving ones (masks seed).
 *
 * @example
 * ```ts
 * const next = await randomMatched.prune(ctx, { reference: 'runs/imp' }); // uses ctx.runs('runs/imp').mask(ctx.round)
 * ```
 */
export const randomMatched = composeStrategy({
  name: 'random-matched',
  description: "random weights inside the current mask, per-layer counts of a reference run's mask",
  reference: 'Gadhikar & Burkholz, ICLR 2024 (random mask, matched layer-wise density)',
  score: randomScore,
  allocation: matchedAllocation,
  selection: unstructuredSelection,
});
