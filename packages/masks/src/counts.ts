import { type Mask, type PruneTarget, PruneError } from '@prunekit/core';

/**
 * The paper's pruning fraction per round: 20 % of the surviving weights.
 *
 * @example
 * ```ts
 * const target = fractionTarget(DEFAULT_PRUNE_FRACTION); // { kind: 'fraction', fraction: 0.2 }
 * ```
 */
export const DEFAULT_PRUNE_FRACTION = 0.2;

/**
 * A target that prunes `fraction` of the surviving weights (default 0.2, the paper's).
 *
 * @example
 * ```ts
 * fractionTarget();     // { kind: 'fraction', fraction: 0.2 }
 * fractionTarget(0.5);  // prune half of what survives
 * ```
 */
export function fractionTarget(fraction: number = DEFAULT_PRUNE_FRACTION): PruneTarget {
  const t: PruneTarget = { kind: 'fraction', fraction };
  validateTarget(t);
  return t;
}

/**
 * A target that keeps `density` of all prunable weights.
 *
 * @example
 * ```ts
 * densityTarget(0.1); // { kind: 'density', density: 0.1 }
 * ```
 */
export function densityTarget(density: number): PruneTarget {
  const t: PruneTarget = { kind: 'density', density };
  validateTarget(t);
  return t;
}

/**
 * Throw `E_RECIPE` unless the target is a fraction or density in [0, 1].
 *
 * @example
 * ```ts
 * validateTarget({ kind: 'density', density: 1.5 }); // throws E_RECIPE
 * ```
 */
export function validateTarget(target: PruneTarget, where = 'target'): void {
  if (target === null || typeof target !== 'object') {
    throw new PruneError(
      'E_RECIPE',
      `${where} must be { kind: 'fraction', fraction } or { kind: 'density', density }`,
    );
  }
  if (target.kind === 'fraction') checkUnit(target.fraction, `${where}.fraction`);
  else if (target.kind === 'density') checkUnit(target.density, `${where}.density`);
  else {
    throw new PruneError(
      'E_RECIPE',
      `${where}.kind must be 'fraction' or 'density', got ${JSON.stringify((target as { kind: unknown }).kind)}`,
    );
  }
}

function checkUnit(x: number, where: string): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1) {
    throw new PruneError('E_RECIPE', `${where} is ${x}, out of range: it must be a number in [0, 1]`, {
      where,
    });
  }
}

/** `x` as an exact fraction num/den of its shortest round-trip decimal (what a user typed). */
function decimal(x: number): [bigint, bigint] {
  const [mant = '0', exp = '0'] = x.toString().split('e');
  const [int = '0', frac = ''] = mant.split('.');
  const scale = frac.length - Number(exp);
  const digits = BigInt(int + frac);
  return scale >= 0 ? [digits, 10n ** BigInt(scale)] : [digits * 10n ** BigInt(-scale), 1n];
}

/**
 * `⌊x·n⌋` computed exactly for `x` in [0, 1] read as its shortest decimal, so `0.29·100` is 29
 * (floating point gives 28.999…).
 *
 * @example
 * ```ts
 * floorFraction(0.29, 100); // 29
 * ```
 */
export function floorFraction(x: number, n: number): number {
  const [num, den] = decimal(x);
  return Number((num * BigInt(n)) / den);
}

/**
 * The exact number of units to keep for a target.
 *
 * - `fraction f` of `alive` surviving units: prune `⌊f·alive⌋`, keep `alive − ⌊f·alive⌋`
 *   (the pruned count is rounded down, the kept count up).
 * - `density d` of `total` units: keep `⌈d·total⌉ = total − ⌊(1−d)·total⌋`, but never more than
 *   `alive` (pruned weights do not come back; a target above the current density keeps all).
 *
 * Products are exact: `f` and `d` are read as the decimals you wrote (see {@link floorFraction}).
 *
 * @example
 * ```ts
 * keepCount({ kind: 'fraction', fraction: 0.2 }, 1000, 1000);  // 800
 * keepCount({ kind: 'fraction', fraction: 0.2 }, 7, 10);       // 7 − ⌊1.4⌋ = 6
 * keepCount({ kind: 'density', density: 0.8 }, 5, 5);          // 4
 * ```
 */
export function keepCount(target: PruneTarget, alive: number, total: number): number {
  validateTarget(target);
  if (!Number.isInteger(alive) || !Number.isInteger(total) || alive < 0 || alive > total) {
    throw new PruneError(
      'E_INTERNAL',
      `keepCount: need integers 0 ≤ alive ≤ total, got alive=${alive}, total=${total}`,
    );
  }
  if (target.kind === 'fraction') return alive - floorFraction(target.fraction, alive);
  const [num, den] = decimal(target.density);
  const keep = Number((num * BigInt(total) + den - 1n) / den);
  return Math.min(alive, keep);
}

/**
 * The exact number of weights a mask keeps after pruning to `target` with global allocation.
 *
 * @example
 * ```ts
 * targetKeepCount({ kind: 'fraction', fraction: 0.2 }, Mask.ones(model.params));
 * ```
 */
export function targetKeepCount(target: PruneTarget, mask: Mask): number {
  return keepCount(target, mask.count(), mask.size());
}

/**
 * Kept counts after each of `rounds` rounds of pruning `fraction` of the survivors, starting from
 * `total` (exact integers: `n ← n − ⌊f·n⌋`). Their ratio to `total` follows `(1 − f)^ℓ`.
 *
 * @example
 * ```ts
 * keepCountsOverRounds(1000, 0.2, 3); // [800, 640, 512]
 * ```
 */
export function keepCountsOverRounds(total: number, fraction: number, rounds: number): number[] {
  const out: number[] = [];
  let n = total;
  for (let r = 0; r < rounds; r++) {
    n = keepCount({ kind: 'fraction', fraction }, n, total);
    out.push(n);
  }
  return out;
}

/**
 * Kept counts of an iterative schedule from `from` down to `to` in `steps` steps, exponential as
 * in SynFlow (Tanaka et al. 2020): step i keeps `round(from · (to/from)^(i/steps))`; the last step
 * keeps exactly `to`.
 *
 * @example
 * ```ts
 * exponentialSchedule(1000, 10, 2); // [100, 10]
 * ```
 */
export function exponentialSchedule(from: number, to: number, steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new PruneError('E_RECIPE', `the number of pruning iterations must be an integer ≥ 1, got ${steps}`);
  }
  const out: number[] = [];
  for (let i = 1; i <= steps; i++) {
    if (i === steps || from === 0) out.push(to);
    else out.push(Math.min(from, Math.max(to, Math.round(from * (to / from) ** (i / steps)))));
  }
  return out;
}

/** One layer of a proportional allocation. */
export interface ProportionalLayer {
  readonly name: string;
  /** Relative share (≥ 0): the layer's real-valued target is `ε · weight`. */
  readonly weight: number;
  /** Most units the layer may keep (its surviving units). */
  readonly cap: number;
}

/**
 * Split `total` units over layers in proportion to their weights, with caps: find ε with
 * `Σ min(ε·weight_l, cap_l) = total` (layers over their cap are set to the cap and the rest is
 * redistributed, repeatedly — the ERK capping of Evci et al. 2020), then round.
 *
 * **Rounding (largest remainder):** every layer gets `⌊t_l⌋` of its real target `t_l`; the
 * `total − Σ⌊t_l⌋` units left go one each to the layers with the largest fractional parts
 * (earlier layer first on ties). So the counts sum to exactly `total` and each is `⌊t_l⌋` or `⌈t_l⌉`.
 *
 * @example
 * ```ts
 * proportionalCounts([{ name: 'a', weight: 1, cap: 10 }, { name: 'b', weight: 1, cap: 2 }], 8);
 * // Map { a → 6, b → 2 }: b is capped at 2, a takes the rest
 * ```
 */
export function proportionalCounts(layers: readonly ProportionalLayer[], total: number): Map<string, number> {
  const capSum = layers.reduce((s, l) => s + l.cap, 0);
  if (!Number.isInteger(total) || total < 0 || total > capSum) {
    throw new PruneError(
      'E_INTERNAL',
      `proportionalCounts: cannot place ${total} units in layers holding ${capSum}`,
    );
  }
  for (const l of layers) {
    if (!(l.weight >= 0) || !Number.isFinite(l.weight)) {
      throw new PruneError('E_INTERNAL', `proportionalCounts: layer '${l.name}' has weight ${l.weight}`);
    }
  }
  const capped = new Set<number>();
  let eps = 0;
  for (;;) {
    let rest = total;
    let weights = 0;
    layers.forEach((l, i) => {
      if (capped.has(i)) rest -= l.cap;
      else weights += l.weight;
    });
    eps = weights > 0 ? rest / weights : 0;
    let changed = false;
    layers.forEach((l, i) => {
      // Layers of weight 0 get nothing, unless every other layer is full (see the slack below).
      if (!capped.has(i) && l.weight > 0 && eps * l.weight >= l.cap) {
        capped.add(i);
        changed = true;
      }
    });
    if (!changed) break;
  }
  const real = layers.map((l, i) => (capped.has(i) ? l.cap : Math.min(l.cap, eps * l.weight)));
  const counts = real.map((t) => Math.floor(t));
  let left = total - counts.reduce((s, c) => s + c, 0);
  const order = real
    .map((t, i) => ({ i, frac: t - Math.floor(t) }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    if (counts[i]! < layers[i]!.cap) {
      counts[i]!++;
      left--;
    }
  }
  // Floating-point slack: place any remainder in layers with room, undo any excess, in order.
  for (let i = 0; left > 0 && i < layers.length; i++) {
    const room = layers[i]!.cap - counts[i]!;
    const add = Math.min(room, left);
    counts[i]! += add;
    left -= add;
  }
  for (let j = order.length - 1; left < 0 && j >= 0; j--) {
    const i = order[j]!.i;
    if (counts[i]! > 0) {
      counts[i]!--;
      left++;
    }
  }
  return new Map(layers.map((l, i) => [l.name, counts[i]!]));
}
