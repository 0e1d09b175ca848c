import { type ParamInfo, z } from '@prunekit/core';
import type { Selection, UnitScores } from '../types.js';

/** Options of the channel selection. */
export type ChannelOptions = {
  /** Norm of a channel's weight scores: `l1` (Σ|s|, default) or `l2` (√Σs²). */
  norm: 'l1' | 'l2';
  /** Leave the last prunable parameter (the classifier: its channels are the classes) unpruned. */
  keepOutputLayer: boolean;
};

/** Number of output channels of a parameter: its last axis (tfjs layouts `[in, out]`, `[kh, kw, in, out]`). */
function channelsOf(info: ParamInfo): number {
  return info.shape.length === 0 ? 1 : info.shape[info.shape.length - 1]!;
}

/**
 * Structured selection by output channel (conv filters, dense neurons): a unit is one index of
 * the last axis; its score is the L1 or L2 norm of the scores of its surviving weights (with the
 * magnitude score: the norm of its weights). A channel survives while any of its weights does;
 * pruning it zeroes all its weights (biases and batch norm are not masked). Ties: lower channel
 * index wins.
 *
 * @example
 * ```ts
 * // [2, 2] kernel: channel 0 = {w00, w10}, channel 1 = {w01, w11}
 * channelSelection.group(info, Float32Array.of(1, 2, 3, 4), Uint8Array.of(1, 1, 1, 1), { norm: 'l1', keepOutputLayer: false });
 * // scores [4, 6]
 * ```
 */
export const channelSelection: Selection<ChannelOptions> = {
  name: 'channel',
  description: 'whole output channels / neurons (last axis) by the L1 or L2 norm of their scores',
  reference: 'Li et al., Pruning Filters for Efficient ConvNets, ICLR 2017',
  unit: 'channel',
  defaults: { norm: 'l1', keepOutputLayer: true },
  shape: { norm: z.enum(['l1', 'l2']), keepOutputLayer: z.boolean() },
  frozen(prunable: readonly ParamInfo[], options: ChannelOptions): readonly string[] {
    const last = prunable[prunable.length - 1];
    return options.keepOutputLayer && last ? [last.name] : [];
  },
  group(info: ParamInfo, scores: Float32Array, mask: Uint8Array, options: ChannelOptions): UnitScores {
    const out = channelsOf(info);
    const sums = new Float64Array(out);
    const alive = new Uint8Array(out);
    for (let i = 0; i < scores.length; i++) {
      if (mask[i] === 0) continue;
      const c = i % out;
      const s = scores[i]!;
      sums[c]! += options.norm === 'l1' ? Math.abs(s) : s * s;
      alive[c] = 1;
    }
    const unitScores = new Float32Array(out);
    let aliveCount = 0;
    for (let c = 0; c < out; c++) {
      if (alive[c] === 0) unitScores[c] = Number.NEGATIVE_INFINITY;
      else {
        aliveCount++;
        unitScores[c] = options.norm === 'l1' ? sums[c]! : Math.sqrt(sums[c]!);
      }
    }
    return { scores: unitScores, alive, aliveCount };
  },
  expand(info: ParamInfo, keepUnits: Uint8Array, mask: Uint8Array): Uint8Array {
    const out = channelsOf(info);
    const data = new Uint8Array(mask.length);
    for (let i = 0; i < data.length; i++) data[i] = mask[i]! & keepUnits[i % out]!;
    return data;
  },
};
