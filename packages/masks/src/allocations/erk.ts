import { PruneError, sizeOf, z } from '@prunekit/core';
import { proportionalCounts } from '../counts.js';
import type { Allocation, AllocationInput, AllocationResult } from '../types.js';

/** Options of the ERK allocation. */
export type ErkOptions = {
  /** Exponent of the ERK ratio (rigl's `erk_power_scale`): 1 = ERK, 0 = uniform. */
  erkPower: number;
};

/**
 * The Erdős–Rényi-kernel ratio of a weight shape: `(Σ dims / Π dims)^power` — for a conv kernel
 * `[kh, kw, in, out]` that is `(kh + kw + in + out) / (kh·kw·in·out)`.
 *
 * @example
 * ```ts
 * erkRatio([4, 2]); // 6 / 8 = 0.75
 * ```
 */
export function erkRatio(shape: readonly number[], power = 1): number {
  const n = sizeOf(shape);
  if (n === 0) return 0;
  const sum = shape.reduce((s, d) => s + d, 0);
  return (sum / n) ** power;
}

/**
 * ERK densities of layers for an overall density (real-valued, before rounding): `density_l =
 * ε · ratio_l`, where layers whose density would exceed 1 are made dense and ε is solved again
 * for the rest, until none exceeds 1 (the rigl code's loop).
 *
 * @example
 * ```ts
 * erkDensities([{ name: 'a', shape: [4, 2] }, { name: 'b', shape: [2, 2] }], 0.5);
 * ```
 */
export function erkDensities(
  layers: readonly { name: string; shape: readonly number[] }[],
  density: number,
  power = 1,
): Map<string, number> {
  if (!(density >= 0 && density <= 1)) {
    throw new PruneError('E_RECIPE', `ERK density ${density} is out of range [0, 1]`);
  }
  const dense = new Set<string>();
  let eps = 0;
  for (;;) {
    let rhs = 0;
    let divisor = 0;
    for (const l of layers) {
      const n = sizeOf(l.shape);
      if (dense.has(l.name)) rhs -= n * (1 - density);
      else {
        rhs += n * density;
        divisor += erkRatio(l.shape, power) * n;
      }
    }
    eps = divisor > 0 ? rhs / divisor : 0;
    let changed = false;
    for (const l of layers) {
      if (!dense.has(l.name) && eps * erkRatio(l.shape, power) > 1) {
        dense.add(l.name);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return new Map(layers.map((l) => [l.name, dense.has(l.name) ? 1 : eps * erkRatio(l.shape, power)]));
}

/**
 * Erdős–Rényi-kernel allocation (Evci et al. 2020): a layer's density is proportional to
 * `(Σ dims)/(Π dims)` of its weight shape, so small layers stay denser. Layers that would exceed
 * what survives in them keep all of it and the rest is redistributed (the rigl capping, with the
 * cap at the surviving count instead of 1). Counts sum to exactly `keep` (largest remainder).
 *
 * @example
 * ```ts
 * erkAllocation.allocate({ ctx, strategy: 'random-erk', layers, keep: 100, unit: 'weight' }, { erkPower: 1 });
 * ```
 */
export const erkAllocation: Allocation<ErkOptions> = {
  name: 'erk',
  description: 'Erdős–Rényi-kernel densities ∝ (sum of dims)/(product of dims), capped at dense',
  reference: 'Evci, Gale, Menick, Castro & Elsen, RigL, ICML 2020',
  defaults: { erkPower: 1 },
  shape: { erkPower: z.number().min(0).max(10) },
  allocate: ({ layers, keep }: AllocationInput, options: ErkOptions): AllocationResult => ({
    kind: 'per-layer',
    counts: proportionalCounts(
      layers.map((l) => ({
        name: l.name,
        weight: erkRatio(l.info.shape, options.erkPower) * l.total,
        cap: l.alive,
      })),
      keep,
    ),
  }),
};
