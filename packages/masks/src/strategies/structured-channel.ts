import { uniformAllocation } from '../allocations/uniform.js';
import { composeStrategy } from '../compose.js';
import { magnitudeScore } from '../scores/magnitude.js';
import { channelSelection } from '../selections/channel.js';

/**
 * Structured pruning of whole output channels / neurons by the L1 or L2 norm of their weights,
 * the same fraction of channels in every layer. Targets count channels: a fraction prunes
 * `⌊f·C⌋` of the `C` surviving channels (split over layers by largest remainder); the classifier
 * is left alone unless `keepOutputLayer: false`.
 *
 * @example
 * ```ts
 * const next = await structuredChannel.prune(ctx, { norm: 'l2', keepOutputLayer: true });
 * ```
 */
export const structuredChannel = composeStrategy({
  name: 'structured-channel',
  description: 'whole output channels / neurons by L1 or L2 norm, the same fraction per layer',
  reference: 'Li et al., ICLR 2017',
  score: magnitudeScore,
  allocation: uniformAllocation,
  selection: channelSelection,
});
