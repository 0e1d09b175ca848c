import { proportionalCounts } from '../counts.js';
import type { Allocation, AllocationInput, AllocationResult, NoOptions } from '../types.js';

/**
 * Layer-wise uniform allocation: every layer keeps the same density `keep / total` of its units
 * (counts ∝ layer size). A layer already sparser than that keeps what it has and the difference
 * goes to the others, in proportion to their size. Counts are rounded by largest remainder (see
 * `proportionalCounts`), so they sum to exactly `keep`.
 *
 * @example
 * ```ts
 * // layers of 10 and 30 weights, keep 20 → 5 and 15
 * uniformAllocation.allocate({ ctx, strategy: 's', layers, keep: 20, unit: 'weight' }, {});
 * ```
 */
export const uniformAllocation: Allocation<NoOptions> = {
  name: 'uniform',
  description: 'the same density in every layer',
  reference: 'Zhu & Gupta 2017; jaxpruner uniform',
  defaults: {},
  shape: {},
  allocate: ({ layers, keep }: AllocationInput): AllocationResult => ({
    kind: 'per-layer',
    counts: proportionalCounts(
      layers.map((l) => ({ name: l.name, weight: l.total, cap: l.alive })),
      keep,
    ),
  }),
};
