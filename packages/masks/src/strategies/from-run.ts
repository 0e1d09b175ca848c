import { Mask, type MaskContext, type MaskStrategy, PruneError, z } from '@prunekit/core';
import { checkContext } from '../context.js';
import { type MaskReference, loadReferenceMask } from '../reference.js';

/** Options of `from-run`. */
export type FromRunOptions = {
  /** The run directory to read masks from (through `ctx.runs`), or a Mask. Required. */
  reference?: MaskReference | undefined;
  /** Which round's mask to read (default: `ctx.round`, the round being made). */
  round?: number | undefined;
  /**
   * If the reference keeps weights the current mask has pruned: `false` (default) throws
   * `E_MASK`; `true` intersects with the current mask.
   */
  intersect: boolean;
};

/**
 * Use another run's mask, round by round: "IMP with the LRR mask" (IMP rewinding, masks from a
 * finished LRR run) and the reverse. Reads `ctx.runs(reference).mask(round)`; the target is
 * ignored. A missing resolver, run or round throws `E_REFERENCE`; a mask for another model, or
 * one that is not inside the current mask, throws `E_MASK`.
 *
 * @example
 * ```ts
 * const next = await fromRun.prune(ctx, { reference: 'runs/lrr', intersect: false });
 * ```
 */
export const fromRun: MaskStrategy<FromRunOptions> = {
  name: 'from-run',
  description: "read this round's mask from another run's directory",
  reference: 'Gadhikar & Burkholz, ICLR 2024 (IMP with the LRR mask)',
  defaults: { intersect: false },
  schema: z
    .object({
      reference: z.union([z.string().min(1), z.instanceof(Mask)], {
        error: 'options.reference must be a run directory (string) or a Mask',
      }),
      round: z.number().int().min(0).optional(),
      intersect: z.boolean(),
    })
    .strict() as unknown as z.ZodType<FromRunOptions>,
  async prune(ctx: MaskContext, options: FromRunOptions): Promise<Mask> {
    checkContext(ctx, 'from-run');
    const { mask, source } = await loadReferenceMask(
      ctx,
      options.reference,
      options.round,
      "mask strategy 'from-run'",
    );
    const ordered = new Mask(ctx.mask.names().map((n) => [n, mask.get(n)]));
    if (ordered.isSubsetOf(ctx.mask)) return ordered;
    if (options.intersect) return ordered.intersect(ctx.mask);
    throw new PruneError('E_MASK', `${source} keeps weights that the current mask has pruned`, {
      hint: 'pruned weights cannot come back; set intersect: true to keep only the weights both masks keep',
    });
  },
};
