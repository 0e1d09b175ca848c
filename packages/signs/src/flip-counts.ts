import type { Mask, Weights } from '@prunekit/core';
import { PruneError } from '@prunekit/core';
import { SignSwitchTracker, type SignSwitchSummary } from './sign-switch-tracker.js';

/** {@link flipCounts}' result: the tracker summary plus the per-weight counters. */
export interface FlipCounts extends SignSwitchSummary {
  /** Flips of every weight between consecutive snapshots, by parameter (0 where masked out). */
  readonly counts: Map<string, Uint16Array>;
}

/**
 * Count sign flips along a sequence of snapshots under one mask: between snapshots 0→1, 1→2, …
 * (the series is labelled 1, 2, … in `epochs`). Reports, overall and per parameter, the flips at
 * each transition, how many kept weights flipped at least once, the most flips of one weight and
 * the histogram of flips per weight. The same accounting as {@link SignSwitchTracker}, for
 * snapshots that are already in memory. Throws `E_RECIPE` for an empty sequence.
 *
 * @example
 * ```ts
 * const c = flipCounts([epoch0.params, epoch1.params, epoch2.params], mask);
 * c.histogram;            // [never flipped, flipped once, flipped twice]
 * c.flippedAtLeastOnce;
 * ```
 */
export function flipCounts(snapshots: readonly Weights[], mask: Mask): FlipCounts {
  const [first, ...rest] = snapshots;
  if (!first) throw new PruneError('E_RECIPE', 'flipCounts needs at least one snapshot');
  const tracker = new SignSwitchTracker().start(first, mask);
  rest.forEach((w, i) => {
    tracker.observe(i + 1, w);
  });
  return { ...tracker.summary(), counts: tracker.perWeightCounts() };
}
