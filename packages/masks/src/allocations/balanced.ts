import { proportionalCounts } from '../counts.js';
import type { Allocation, AllocationInput, AllocationResult, NoOptions } from '../types.js';

/**
 * Balanced allocation: every layer keeps the same number of units, `keep / L`; a layer with fewer
 * surviving units keeps all of them and the rest is shared equally by the others (repeatedly).
 * Remainders go to the earlier layers (largest remainder, ties by model order).
 *
 * @example
 * ```ts
 * // layers with 3, 10 and 10 surviving weights, keep 15 → 3, 6, 6
 * balancedAllocation.allocate({ ctx, strategy: 's', layers, keep: 15, unit: 'weight' }, {});
 * ```
 */
export const balancedAllocation: Allocation<NoOptions> = {
  name: 'balanced',
  description: 'the same number of weights in every layer (capped at the layer size)',
  reference: 'Gadhikar, Mukherjee & Burkholz, ICML 2023',
  defaults: {},
  shape: {},
  allocate: ({ layers, keep }: AllocationInput): AllocationResult => ({
    kind: 'per-layer',
    counts: proportionalCounts(
      layers.map((l) => ({ name: l.name, weight: 1, cap: l.alive })),
      keep,
    ),
  }),
};
