import { PruneError } from '@prunekit/core';

/** Per-channel mean and standard deviation, in the units the model sees before normalization. */
export interface ChannelStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * How a dataset normalizes inputs per channel: `'train'` computes mean/std on the training split
 * (after the validation hold-out), `'none'` leaves values alone, or give `{ mean, std }` (one number
 * per channel, in the same units as the scaled inputs, e.g. pixels in [0, 1]).
 */
export type NormalizeOption = 'train' | 'none' | ChannelStats;

/**
 * Per-channel population mean and standard deviation (divide by N) of examples stored row-major
 * with the channel as the fastest axis (NHWC images, or feature vectors where every feature is a
 * channel). Only the examples at `indices` are counted (all when omitted); values are multiplied by
 * `scale` first (1/255 for bytes). Byte data is counted with exact per-channel histograms; float
 * data with two float64 passes. A channel whose standard deviation is 0 reports 1, so
 * normalization leaves it centred instead of dividing by zero.
 *
 * @example
 * ```ts
 * // two 1×1 RGB "images": channel means 0.5, 1.5, 2.5; stds 0.5 each
 * channelStats(Float32Array.of(0, 1, 2, 1, 2, 3), { exampleSize: 3, channels: 3 });
 * ```
 */
export function channelStats(
  x: Float32Array | Uint8Array,
  options: { exampleSize: number; channels: number; indices?: ArrayLike<number>; scale?: number },
): ChannelStats {
  const { exampleSize, channels } = options;
  const scale = options.scale ?? 1;
  if (channels <= 0 || exampleSize % channels !== 0) {
    throw new PruneError('E_SHAPE', `example size ${exampleSize} is not a multiple of ${channels} channels`);
  }
  const nAll = Math.floor(x.length / exampleSize);
  const indices = options.indices;
  const n = indices ? indices.length : nAll;
  const count = n * (exampleSize / channels);
  if (count === 0) {
    throw new PruneError('E_DATA', 'cannot compute normalization statistics of an empty training split', {
      hint: "give normalize: { mean, std } or normalize: 'none'",
    });
  }
  const mean = new Array<number>(channels).fill(0);
  const std = new Array<number>(channels).fill(0);
  if (x instanceof Uint8Array) {
    // Exact per-channel histograms; 32-bit counters flushed into float64 before they can overflow.
    const hist = new Float64Array(channels * 256);
    const counts = new Uint32Array(channels * 256);
    let pending = 0;
    const flush = () => {
      for (let i = 0; i < counts.length; i++) hist[i] = hist[i]! + counts[i]!;
      counts.fill(0);
      pending = 0;
    };
    for (let k = 0; k < n; k++) {
      const off = (indices ? indices[k]! : k) * exampleSize;
      if (channels === 1) {
        for (let i = off, end = off + exampleSize; i < end; i++) counts[x[i]!]!++;
      } else if (channels === 3) {
        for (let i = off, end = off + exampleSize; i < end; i += 3) {
          counts[x[i]!]!++;
          counts[256 + x[i + 1]!]!++;
          counts[512 + x[i + 2]!]!++;
        }
      } else {
        let c = 0;
        for (let i = 0; i < exampleSize; i++) {
          counts[c * 256 + x[off + i]!]!++;
          if (++c === channels) c = 0;
        }
      }
      pending += exampleSize;
      if (pending > 2_000_000_000) flush();
    }
    flush();
    for (let c = 0; c < channels; c++) {
      let s = 0;
      for (let v = 0; v < 256; v++) s += hist[c * 256 + v]! * v;
      const m = s / count;
      let q = 0;
      for (let v = 0; v < 256; v++) q += hist[c * 256 + v]! * (v - m) * (v - m);
      mean[c] = m * scale;
      std[c] = Math.sqrt(q / count) * scale;
    }
  } else {
    const sum = new Float64Array(channels);
    for (let k = 0; k < n; k++) {
      const off = (indices ? indices[k]! : k) * exampleSize;
      let c = 0;
      for (let i = 0; i < exampleSize; i++) {
        sum[c] = sum[c]! + x[off + i]!;
        if (++c === channels) c = 0;
      }
    }
    const m = Array.from(sum, (s) => s / count);
    const sq = new Float64Array(channels);
    for (let k = 0; k < n; k++) {
      const off = (indices ? indices[k]! : k) * exampleSize;
      let c = 0;
      for (let i = 0; i < exampleSize; i++) {
        const d = x[off + i]! - m[c]!;
        sq[c] = sq[c]! + d * d;
        if (++c === channels) c = 0;
      }
    }
    for (let c = 0; c < channels; c++) {
      mean[c] = m[c]! * scale;
      std[c] = Math.sqrt(sq[c]! / count) * scale;
    }
  }
  for (let c = 0; c < channels; c++) if (!(std[c]! > 0)) std[c] = 1;
  return { mean, std };
}
