import { isPruneError, Mask, type MaskContext, PruneError } from '@prunekit/core';

/** A reference mask: a run directory (read through `ctx.runs`) or a {@link Mask} object. */
export type MaskReference = string | Mask;

/**
 * Load a reference mask and check that it fits the model: a `Mask` is used as is; a string is a
 * run directory, read with `ctx.runs(dir).mask(round)` (`round` defaults to `ctx.round`: the mask
 * the reference run used in the round being made). Missing resolver, run or round: `E_REFERENCE`;
 * a mask made for another model: `E_MASK`.
 *
 * @example
 * ```ts
 * const { mask, source } = await loadReferenceMask(ctx, 'runs/lrr', undefined, 'from-run');
 * ```
 */
export async function loadReferenceMask(
  ctx: MaskContext,
  reference: MaskReference | undefined,
  round: number | undefined,
  who: string,
): Promise<{ mask: Mask; source: string }> {
  if (reference instanceof Mask) {
    const source = `${who}: the reference mask (options.reference)`;
    reference.assertMatches(ctx.params, source);
    return { mask: reference, source };
  }
  if (typeof reference !== 'string' || reference.length === 0) {
    throw new PruneError('E_RECIPE', `${who} needs options.reference: a run directory or a Mask`, {
      hint: "e.g. { reference: 'runs/lrr-resnet18' }",
      where: 'options.reference',
    });
  }
  const r = round ?? ctx.round;
  if (!ctx.runs) {
    throw new PruneError(
      'E_REFERENCE',
      `${who}: cannot open run '${reference}': no run resolver was given (ctx.runs)`,
      {
        hint: 'run it through the experiment runner, or pass a Mask as options.reference',
      },
    );
  }
  let mask: Mask;
  try {
    const reader = ctx.runs(reference);
    const last = reader.lastRound();
    if (!Number.isInteger(r) || r < 0 || r > last) {
      throw new PruneError(
        'E_REFERENCE',
        `${who}: run '${reference}' has masks for rounds 0..${last}, not round ${r}`,
        {
          hint: 'finish the reference run first, or choose an existing round with options.round',
          where: reference,
        },
      );
    }
    mask = await reader.mask(r);
  } catch (e) {
    if (isPruneError(e)) throw e;
    throw new PruneError(
      'E_REFERENCE',
      `${who}: cannot read the mask of round ${r} from run '${reference}'`,
      {
        cause: e,
        where: reference,
      },
    );
  }
  const source = `${who}: the mask of round ${r} of run '${reference}'`;
  mask.assertMatches(ctx.params, source);
  return { mask, source };
}
