import { type HostTensor, type MaskContext, PruneError, sameShape } from '@prunekit/core';
import { validateTarget } from './counts.js';

/**
 * Check what every strategy relies on: the target is in range and the current mask fits the model
 * (one entry per prunable parameter, same shapes). Throws `E_RECIPE` or `E_MASK`.
 *
 * @example
 * ```ts
 * checkContext(ctx, 'my-strategy');
 * ```
 */
export function checkContext(ctx: MaskContext, strategy: string): void {
  validateTarget(ctx.target, `mask strategy '${strategy}': ctx.target`);
  ctx.mask.assertMatches(ctx.params, `mask strategy '${strategy}': the current mask (ctx.mask)`);
}

/**
 * The current weights of a prunable parameter, checked against the mask's shape (`E_SHAPE` if
 * missing or of another shape). Borrowed: do not mutate.
 *
 * @example
 * ```ts
 * const w = maskedWeight(ctx, 'fc1.weight', 'magnitude').data;
 * ```
 */
export function maskedWeight(ctx: MaskContext, name: string, who: string): HostTensor {
  const w = ctx.weights.get(name);
  const m = ctx.mask.get(name);
  if (!w) {
    throw new PruneError('E_SHAPE', `${who}: ctx.weights has no parameter '${name}' (the mask prunes it)`, {
      hint: 'pass the weights of the same model the mask was made for',
    });
  }
  if (!sameShape(w.shape, m.shape) || w.data.length !== m.data.length) {
    throw new PruneError('E_SHAPE', `${who}: weight '${name}' is [${w.shape}] but its mask is [${m.shape}]`);
  }
  return w;
}
