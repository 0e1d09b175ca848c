import { Mask, PruneError, z } from '@prunekit/core';
import { type MaskReference, loadReferenceMask } from '../reference.js';
import type { Allocation, AllocationInput, AllocationResult } from '../types.js';

/** Options of the matched allocation. */
export type MatchedOptions = {
  /** The reference: a run directory (read through `ctx.runs`) or a Mask. Required. */
  reference?: MaskReference | undefined;
  /** Round of the reference run whose mask to match (default: `ctx.round`). */
  round?: number | undefined;
};

/**
 * Matched allocation: each layer keeps exactly as many weights as the reference mask keeps in
 * it — the paper's "random mask, matched layer-wise density". The target is ignored (the
 * reference fixes the counts). Throws `E_MASK` if the reference was made for another model or
 * keeps more weights in a layer than survive there now, `E_REFERENCE` if the run or round is
 * missing. Counts weights, so it needs unstructured selection.
 *
 * @example
 * ```ts
 * matchedAllocation.allocate(input, { reference: impMaskOfRound3 });
 * ```
 */
export const matchedAllocation: Allocation<MatchedOptions> = {
  name: 'matched',
  description: "per-layer counts of a reference mask (another run's round, or a Mask)",
  reference: 'Frankle et al. 2021; Gadhikar & Burkholz 2024',
  defaults: {},
  shape: {
    reference: z.union([z.string().min(1), z.instanceof(Mask)], {
      error: 'options.reference must be a run directory (string) or a Mask',
    }),
    round: z.number().int().min(0).optional(),
  },
  async allocate(
    { ctx, layers, strategy, unit }: AllocationInput,
    options: MatchedOptions,
  ): Promise<AllocationResult> {
    const who = `mask strategy '${strategy}'`;
    if (unit !== 'weight') {
      throw new PruneError(
        'E_RECIPE',
        `${who}: the matched allocation counts weights; it cannot allocate ${unit}s`,
        {
          hint: 'use it with the unstructured selection',
        },
      );
    }
    const { mask, source } = await loadReferenceMask(ctx, options.reference, options.round, who);
    const counts = new Map<string, number>();
    for (const l of layers) {
      const k = mask.count(l.name);
      if (k > l.alive) {
        throw new PruneError(
          'E_MASK',
          `${source} keeps ${k} weights in '${l.name}' but only ${l.alive} survive there in the current mask; pruned weights cannot come back`,
          { hint: 'match a later round of the reference, or start from a mask that contains it' },
        );
      }
      counts.set(l.name, k);
    }
    return { kind: 'per-layer', counts };
  },
};
