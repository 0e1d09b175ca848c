import {
  type HostTensor,
  type ParamStore,
  PruneError,
  type SignMetricContext,
  sameShape,
  sizeOf,
} from '@prunekit/core';
import type { Variable } from '@tensorflow/tfjs-core';

/** One masked parameter of a {@link SignMetricContext}, checked and ready to compare. */
export interface SignInput {
  /** Parameter name (a mask entry). */
  readonly name: string;
  /** Values of the parameter in `ctx.a` (borrowed; do not mutate). */
  readonly a: Float32Array;
  /** Values of the parameter in `ctx.b` (borrowed; do not mutate). */
  readonly b: Float32Array;
  /** The mask of the parameter: 1 = compare, 0 = ignore (borrowed). */
  readonly mask: Uint8Array;
}

/**
 * Check a sign metric's inputs and pair them up, one entry per mask entry (in mask order).
 * Every built-in metric starts with it, and a third-party metric should too: it gives the errors the
 * conformance suite expects.
 *
 * - the mask must fit `ctx.params` (one entry per prunable parameter, same shapes) — `E_MASK`;
 * - `ctx.a` and `ctx.b` must hold every masked parameter with the mask's shape — `E_SHAPE`.
 *
 * Parameters that are not masked (biases, batch norm) are ignored. Pure host code, no tensors.
 *
 * @example
 * ```ts
 * for (const { name, a, b, mask } of signInputs(ctx)) {
 *   for (let i = 0; i < mask.length; i++) if (mask[i]) compare(a[i], b[i]);
 * }
 * ```
 */
export function signInputs(ctx: SignMetricContext): SignInput[] {
  ctx.mask.assertMatches(ctx.params, 'the mask');
  const out: SignInput[] = [];
  for (const [name, m] of ctx.mask.entries()) {
    out.push({
      name,
      a: maskedValues(ctx.a, name, m.shape, "weights 'a'"),
      b: maskedValues(ctx.b, name, m.shape, "weights 'b'"),
      mask: m.data,
    });
  }
  return out;
}

/**
 * The values of the masked parameter `name` in `weights`, checked against the mask's `shape`.
 * Throws `E_SHAPE` naming the parameter when it is missing or has another shape. Internal.
 */
export function maskedValues(
  weights: ReadonlyMap<string, HostTensor>,
  name: string,
  shape: readonly number[],
  what: string,
): Float32Array {
  const t = weights.get(name);
  if (!t) {
    const held = [...weights.keys()];
    throw new PruneError(
      'E_SHAPE',
      `${what} have no parameter '${name}', which the mask covers; they hold: ${held.slice(0, 10).join(', ') || '(nothing)'}${held.length > 10 ? ', …' : ''}`,
      { hint: 'compare weights of the same model the mask was made for', where: name },
    );
  }
  if (!sameShape(t.shape, shape) || t.data.length !== sizeOf(shape)) {
    throw new PruneError(
      'E_SHAPE',
      `parameter '${name}' is [${t.shape.join(', ')}] (${t.data.length} values) in ${what} but [${shape.join(', ')}] in the mask`,
      { where: name },
    );
  }
  return t.data;
}

/**
 * The variable of the masked parameter `name` in a live store, checked against `shape` (`E_SHAPE`
 * naming the parameter; `E_UNKNOWN_NAME` from the store if it is missing). Borrowed. Internal.
 */
export function maskedVariable(
  store: ParamStore,
  name: string,
  shape: readonly number[],
  what: string,
): Variable {
  const v = store.variable(name);
  if (!sameShape(v.shape, shape)) {
    throw new PruneError(
      'E_SHAPE',
      `parameter '${name}' is [${v.shape.join(', ')}] in the model but [${shape.join(', ')}] in ${what}`,
      {
        where: name,
      },
    );
  }
  return v;
}
