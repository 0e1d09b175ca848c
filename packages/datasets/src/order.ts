import { createRng } from '@prunekit/tensor';
import type { Rng } from '@prunekit/core';

/**
 * Shuffle `items` in place with Fisher–Yates, drawing from `rng`.
 *
 * @example
 * ```ts
 * const a = Uint32Array.of(0, 1, 2, 3);
 * shuffleInPlace(a, createRng(1)); // a permutation of 0..3
 * ```
 */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(items: T, rng: Rng): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}

/**
 * The order in which one epoch visits `n` examples: a Fisher–Yates permutation of `0..n-1` that is
 * a pure function of `(seed, epoch, stream)` (the generator is `createRng(seed).fork(`${stream}:${epoch}`)`),
 * or the identity when `shuffle` is false.
 *
 * @example
 * ```ts
 * epochOrder(5, { seed: 1, epoch: 0 });          // e.g. Uint32Array [3, 0, 4, 1, 2]
 * epochOrder(5, { seed: 1, epoch: 0, shuffle: false }); // [0, 1, 2, 3, 4]
 * ```
 */
export function epochOrder(
  n: number,
  options: { seed: number; epoch: number; shuffle?: boolean; stream?: string },
): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (options.shuffle === false) return order;
  return shuffleInPlace(order, createRng(options.seed).fork(`${options.stream ?? 'order'}:${options.epoch}`));
}
