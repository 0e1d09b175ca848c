import {
  type HostTensor,
  type Mask,
  type ParamStore,
  PruneError,
  type SignReport,
  sizeOf,
} from '@prunekit/core';
import { base64ToBytes, bytesToBase64, bytesToU16, u16ToBytes } from './base64.js';
import { maskedValues, maskedVariable } from './sign-inputs.js';
import { signOf } from './signs-of.js';

/** Per-weight flip counters saturate here (they are Uint16). */
export const MAX_FLIP_COUNT = 65535;

/** What {@link SignSwitchTracker.observe} returns: the flips since the previous observation. */
export interface EpochFlips extends SignReport {
  /** The epoch passed to `observe`. */
  readonly epoch: number;
  /** Kept weights whose sign changed since the previous observation (or since `start`). */
  readonly flipped: number;
  /** Kept weights compared. `value` = flipped / compared (0 when nothing is kept). */
  readonly compared: number;
}

/** Flip statistics of one parameter over the observed epochs. */
export interface LayerSwitchSummary {
  /** Flip fraction of this parameter at each observed epoch. */
  readonly flipFractions: readonly number[];
  /** Flip count of this parameter at each observed epoch. */
  readonly flips: readonly number[];
  /** Kept (tracked) weights. */
  readonly tracked: number;
  /** Kept weights that flipped at least once. */
  readonly flippedAtLeastOnce: number;
  /** Most flips of a single weight. */
  readonly maxFlips: number;
  /** `histogram[k]`: kept weights that flipped exactly k times (k = 0 … maxFlips). */
  readonly histogram: readonly number[];
}

/** {@link SignSwitchTracker.summary}: the early-sign-switch picture of a round. */
export interface SignSwitchSummary {
  /** Observed epochs, in order. */
  readonly epochs: readonly number[];
  /** Overall flip fraction at each observed epoch. */
  readonly flipFractions: readonly number[];
  /** Number of flips at each observed epoch. */
  readonly flips: readonly number[];
  /** Sum of `flips`. */
  readonly totalFlips: number;
  /** Kept (tracked) weights. */
  readonly tracked: number;
  /** Kept weights that flipped at least once. */
  readonly flippedAtLeastOnce: number;
  /** `flippedAtLeastOnce / tracked` (0 when nothing is kept). */
  readonly flippedAtLeastOnceFraction: number;
  /** Most flips of a single weight. */
  readonly maxFlips: number;
  /** `histogram[k]`: kept weights that flipped exactly k times (k = 0 … maxFlips). */
  readonly histogram: readonly number[];
  /** The same numbers per masked parameter. */
  readonly perLayer: Readonly<Record<string, LayerSwitchSummary>>;
}

/**
 * Serialized tracker (plain JSON: typed arrays as base64, little-endian). Save it with an epoch
 * checkpoint and continue with {@link SignSwitchTracker.fromState}.
 */
export interface SignSwitchTrackerState {
  readonly format: 'prunekit/sign-switch-tracker';
  readonly version: 1;
  readonly params: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    /** Mask bytes (0/1). */
    readonly mask: string;
    /** Signs at the last observation as int8 bytes (-1 → 0xff). */
    readonly signs: string;
    /** Per-weight flip counters, uint16 little-endian. */
    readonly counts: string;
  }[];
  /** Flips per parameter at each observed epoch. */
  readonly history: readonly { readonly epoch: number; readonly flipped: Readonly<Record<string, number>> }[];
}

interface Tracked {
  readonly name: string;
  readonly shape: readonly number[];
  /** Borrowed from the (immutable) Mask, or decoded from a state. */
  readonly mask: Uint8Array;
  /** Sign at the last observation; 0 where masked out. */
  readonly signs: Int8Array;
  /** Flips so far, per weight (saturating). */
  readonly counts: Uint16Array;
  /** Number of kept weights. */
  readonly tracked: number;
}

interface EpochRecord {
  readonly epoch: number;
  readonly flipped: Readonly<Record<string, number>>;
}

const FORMAT = 'prunekit/sign-switch-tracker';

/**
 * Records sign flips epoch by epoch inside a round (the paper's "early sign switches") without
 * keeping snapshots: per masked parameter it holds the previous observation's signs (Int8Array) and
 * a flip counter per weight (Uint16Array, saturating at {@link MAX_FLIP_COUNT}) — 3 bytes per weight
 * plus a reference to the mask. Only kept weights (mask = 1) are tracked; signs follow
 * {@link signOf} (sign(0) = 0, so a weight that reaches exactly 0 flips). Host-only: it creates no
 * tensors, also in {@link SignSwitchTracker.observeFromModel}.
 *
 * Call `start` at the beginning of a round (after rewinding), `observe` after each epoch, `summary`
 * at the end; `state()`/`fromState()` carry it across a resume.
 *
 * @example
 * ```ts
 * const tracker = new SignSwitchTracker().start(store.snapshot().params, mask);
 * for (let epoch = 1; epoch <= epochs; epoch++) {
 *   trainOneEpoch();
 *   tracker.observeFromModel(epoch, store).value; // fraction of kept weights that flipped this epoch
 * }
 * tracker.summary().flippedAtLeastOnce;
 * ```
 */
export class SignSwitchTracker {
  #params: Tracked[] | undefined;
  #history: EpochRecord[] = [];

  /** Whether `start` (or `fromState`) has run. */
  get started(): boolean {
    return this.#params !== undefined;
  }

  /**
   * Begin tracking: remember the signs of `weights` under `mask` and reset all counters and the
   * history. `weights` must hold every masked parameter with the mask's shape (`E_SHAPE`); other
   * entries are ignored. Both are borrowed: the mask is kept by reference (masks are immutable), the
   * weights are not kept.
   */
  start(weights: ReadonlyMap<string, HostTensor>, mask: Mask): this {
    const params: Tracked[] = [];
    for (const [name, m] of mask.entries()) {
      const v = maskedValues(weights, name, m.shape, 'the start weights');
      const signs = new Int8Array(v.length);
      let tracked = 0;
      for (let i = 0; i < v.length; i++) {
        if (m.data[i] === 0) continue;
        signs[i] = signOf(v[i]!);
        tracked++;
      }
      params.push({
        name,
        shape: [...m.shape],
        mask: m.data,
        signs,
        counts: new Uint16Array(v.length),
        tracked,
      });
    }
    this.#params = params;
    this.#history = [];
    return this;
  }

  /**
   * Compare `weights` (host snapshot after epoch `epoch`) with the previous observation, count the
   * flips and remember the new signs. Epochs must increase strictly. Throws `E_SHAPE` (changing
   * nothing) if a masked parameter is missing or has another shape.
   */
  observe(epoch: number, weights: ReadonlyMap<string, HostTensor>): EpochFlips {
    const params = this.#require('observe');
    const sources = params.map((p) => {
      const v = maskedValues(weights, p.name, p.shape, `the weights of epoch ${epoch}`);
      return () => v;
    });
    return this.#observe(epoch, params, sources);
  }

  /**
   * Like {@link observe}, reading the masked (prunable) variables of a live store one at a time
   * (`dataSync`, no tensors created; other variables are not read). Throws `E_SHAPE` if a variable's
   * shape differs from the tracked one, `E_UNKNOWN_NAME` (from the store) if it is missing.
   */
  observeFromModel(epoch: number, store: ParamStore): EpochFlips {
    const params = this.#require('observeFromModel');
    const sources = params.map((p) => {
      const variable = maskedVariable(store, p.name, p.shape, 'the tracker');
      return () => variable.dataSync() as Float32Array;
    });
    return this.#observe(epoch, params, sources);
  }

  /** Flip series, per-weight totals and the histogram over everything observed since `start`. */
  summary(): SignSwitchSummary {
    const params = this.#require('summary');
    const epochs = this.#history.map((h) => h.epoch);
    const perLayer: Record<string, LayerSwitchSummary> = {};
    const histogram: number[] = [];
    let tracked = 0;
    let flippedAtLeastOnce = 0;
    for (const p of params) {
      const hist: number[] = [0];
      for (let i = 0; i < p.counts.length; i++) {
        if (p.mask[i] === 0) continue;
        const c = p.counts[i]!;
        while (hist.length <= c) hist.push(0);
        hist[c]!++;
      }
      hist.forEach((n, k) => {
        histogram[k] = (histogram[k] ?? 0) + n;
      });
      const layerAtLeastOnce = p.tracked - hist[0]!;
      const flips = this.#history.map((h) => h.flipped[p.name] ?? 0);
      perLayer[p.name] = {
        flipFractions: flips.map((f) => (p.tracked === 0 ? 0 : f / p.tracked)),
        flips,
        tracked: p.tracked,
        flippedAtLeastOnce: layerAtLeastOnce,
        maxFlips: hist.length - 1,
        histogram: hist,
      };
      tracked += p.tracked;
      flippedAtLeastOnce += layerAtLeastOnce;
    }
    if (histogram.length === 0) histogram.push(0);
    const flips = this.#history.map((h) => Object.values(h.flipped).reduce((s, f) => s + f, 0));
    return {
      epochs,
      flipFractions: flips.map((f) => (tracked === 0 ? 0 : f / tracked)),
      flips,
      totalFlips: flips.reduce((s, f) => s + f, 0),
      tracked,
      flippedAtLeastOnce,
      flippedAtLeastOnceFraction: tracked === 0 ? 0 : flippedAtLeastOnce / tracked,
      maxFlips: histogram.length - 1,
      histogram,
      perLayer,
    };
  }

  /** Copies of the per-weight flip counters by parameter (masked-out weights stay 0). Caller owns them. */
  perWeightCounts(): Map<string, Uint16Array> {
    return new Map(this.#require('perWeightCounts').map((p) => [p.name, p.counts.slice()]));
  }

  /** The tracker's full state as plain JSON, for epoch checkpoints. */
  state(): SignSwitchTrackerState {
    return {
      format: FORMAT,
      version: 1,
      params: this.#require('state').map((p) => ({
        name: p.name,
        shape: [...p.shape],
        mask: bytesToBase64(p.mask),
        signs: bytesToBase64(new Uint8Array(p.signs.buffer, p.signs.byteOffset, p.signs.byteLength)),
        counts: bytesToBase64(u16ToBytes(p.counts)),
      })),
      history: this.#history.map((h) => ({ epoch: h.epoch, flipped: { ...h.flipped } })),
    };
  }

  /**
   * A tracker continuing from a saved {@link state}: the next `observe` compares with the signs of
   * the last observation before the save. Malformed states throw `E_CHECKPOINT`.
   */
  static fromState(state: SignSwitchTrackerState): SignSwitchTracker {
    const bad = (why: string) =>
      new PruneError('E_CHECKPOINT', `cannot restore a sign switch tracker: ${why}`, {
        hint: 'pass the object returned by tracker.state() (after a JSON round trip if you like)',
      });
    if (!state || state.format !== FORMAT)
      throw bad(`format is ${JSON.stringify(state?.format)}, expected '${FORMAT}'`);
    if (state.version !== 1) throw bad(`version ${state.version} is not supported (only 1)`);
    const decode = (text: unknown, what: string) => {
      if (typeof text !== 'string') throw bad(`${what} is not a base64 string`);
      try {
        return base64ToBytes(text);
      } catch (cause) {
        throw new PruneError(
          'E_CHECKPOINT',
          `cannot restore a sign switch tracker: ${what} is not valid base64`,
          { cause },
        );
      }
    };
    const params: Tracked[] = (state.params ?? []).map((p) => {
      const n = sizeOf(p.shape);
      const mask = decode(p.mask, `'${p.name}' mask`);
      const signs = new Int8Array(decode(p.signs, `'${p.name}' signs`).buffer);
      const countBytes = decode(p.counts, `'${p.name}' counts`);
      if (mask.length !== n || signs.length !== n || countBytes.length !== 2 * n) {
        throw bad(`'${p.name}' needs ${n} values for shape [${p.shape.join(', ')}]`);
      }
      let tracked = 0;
      for (let i = 0; i < n; i++) {
        if (mask[i] !== 0 && mask[i] !== 1) throw bad(`'${p.name}' mask holds ${mask[i]} at index ${i}`);
        if (signs[i]! < -1 || signs[i]! > 1) throw bad(`'${p.name}' signs hold ${signs[i]} at index ${i}`);
        tracked += mask[i]!;
      }
      return { name: p.name, shape: [...p.shape], mask, signs, counts: bytesToU16(countBytes), tracked };
    });
    const names = new Set(params.map((p) => p.name));
    const history = (state.history ?? []).map((h, i) => {
      const unknown = Object.keys(h.flipped ?? {}).filter((k) => !names.has(k));
      if (!Number.isFinite(h.epoch) || unknown.length) throw bad(`history entry ${i} is malformed`);
      return { epoch: h.epoch, flipped: { ...h.flipped } };
    });
    const tracker = new SignSwitchTracker();
    tracker.#params = params;
    tracker.#history = history;
    return tracker;
  }

  #require(method: string): Tracked[] {
    if (!this.#params) {
      throw new PruneError(
        'E_INTERNAL',
        `SignSwitchTracker.${method}() was called before start(weights, mask)`,
        {
          hint: 'call start() at the beginning of the round, or restore with SignSwitchTracker.fromState()',
        },
      );
    }
    return this.#params;
  }

  #observe(
    epoch: number,
    params: readonly Tracked[],
    sources: readonly (() => ArrayLike<number>)[],
  ): EpochFlips {
    const last = this.#history.at(-1);
    if (!Number.isFinite(epoch) || (last !== undefined && epoch <= last.epoch)) {
      throw new PruneError(
        'E_INTERNAL',
        `SignSwitchTracker.observe(${epoch}) after epoch ${last?.epoch}: epochs must be finite and increase`,
        { hint: 'observe each epoch once, in order; after a resume, continue from the saved state' },
      );
    }
    const flippedPer: Record<string, number> = {};
    const perLayer: Record<string, number> = {};
    let flipped = 0;
    let compared = 0;
    params.forEach((p, j) => {
      const v = sources[j]!();
      const { mask, signs, counts } = p;
      let f = 0;
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] === 0) continue;
        const s = signOf(v[i]!);
        if (s === signs[i]) continue;
        signs[i] = s;
        f++;
        if (counts[i]! < MAX_FLIP_COUNT) counts[i]!++;
      }
      flippedPer[p.name] = f;
      perLayer[p.name] = p.tracked === 0 ? 0 : f / p.tracked;
      flipped += f;
      compared += p.tracked;
    });
    this.#history.push({ epoch, flipped: flippedPer });
    return {
      epoch,
      value: compared === 0 ? 0 : flipped / compared,
      perLayer,
      flipped,
      compared,
      details: { flipped, compared },
    };
  }
}
