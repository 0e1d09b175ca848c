import type { Allocation, AllocationInput, AllocationResult, NoOptions } from '../types.js';

/**
 * Global allocation: one threshold over all prunable parameters together (the paper's, and
 * open_lth's `sparse_global`). The kept count is exact: `keepCount(target)` over all surviving
 * units; layers end up with whatever density their scores earn.
 *
 * @example
 * ```ts
 * globalAllocation.allocate({ ctx, strategy: 's', layers, keep: 80, unit: 'weight' }, {}); // { kind: 'global', keep: 80 }
 * ```
 */
export const globalAllocation: Allocation<NoOptions> = {
  name: 'global',
  description: 'one threshold over all prunable parameters',
  reference: 'Frankle & Carbin 2019 (open_lth sparse_global)',
  defaults: {},
  shape: {},
  allocate: ({ keep }: AllocationInput): AllocationResult => ({ kind: 'global', keep }),
};
