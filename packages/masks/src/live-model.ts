import * as tf from '@tensorflow/tfjs-core';
import { type MaskContext, type PrunableModel, PruneError } from '@prunekit/core';

/**
 * The live model of a context, or `E_RECIPE` naming what the score needs.
 *
 * @example
 * ```ts
 * const model = requireModel(ctx, 'score snip', ['batches', 'loss']);
 * ```
 */
export function requireModel(
  ctx: MaskContext,
  who: string,
  also: readonly ('batches' | 'loss')[] = [],
): PrunableModel {
  const missing = (['model', ...also] as const).filter((k) => ctx[k] === undefined);
  if (missing.length > 0) {
    throw new PruneError(
      'E_RECIPE',
      `${who} needs ${missing.map((k) => `ctx.${k}`).join(', ')} in the mask context`,
      {
        hint: 'gradient-based scores run on the live model; pass model, batches and loss to the strategy',
      },
    );
  }
  return ctx.model!;
}

/**
 * Run `fn` and then put every variable back to the value it had before (exactly: the old values
 * are kept as tensors, not round-tripped). The variables are borrowed; the copies are freed.
 *
 * @example
 * ```ts
 * await withRestoredVariables([model.variable('fc.weight')], () => changeAndMeasure());
 * ```
 */
export async function withRestoredVariables<T>(
  vars: readonly tf.Variable[],
  fn: () => T | Promise<T>,
): Promise<T> {
  const saved = vars.map((v) => tf.clone(v));
  try {
    return await fn();
  } finally {
    vars.forEach((v, i) => {
      v.assign(saved[i]!);
    });
    for (const t of saved) t.dispose();
  }
}

/**
 * Multiply the named prunable variables by their masks, in place (pruned weights become 0).
 *
 * @example
 * ```ts
 * applyMaskToModel(model, ctx.mask);
 * ```
 */
export function applyMaskToModel(model: PrunableModel, ctx: MaskContext): void {
  tf.tidy(() => {
    for (const [name, m] of ctx.mask.entries()) {
      const v = model.variable(name);
      v.assign(tf.mul(v, tf.tensor(m.data, [...m.shape], 'float32')));
    }
  });
}

/**
 * `|v ⊙ g|` on the host, for each variable and its gradient (both borrowed). Throws `E_NAN` if a
 * value is not finite.
 *
 * @example
 * ```ts
 * const scores = hostSaliency(names, vars, grads, 'score snip');
 * ```
 */
export function hostSaliency(
  names: readonly string[],
  vars: readonly tf.Variable[],
  grads: readonly tf.Tensor[],
  who: string,
  hint: string,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  names.forEach((name, i) => {
    const t = tf.tidy(() => tf.abs(tf.mul(vars[i]!, grads[i]!)));
    const data = Float32Array.from(t.dataSync() as Float32Array);
    t.dispose();
    for (let j = 0; j < data.length; j++) {
      if (!Number.isFinite(data[j]!)) {
        throw new PruneError('E_NAN', `${who}: the score of '${name}' is ${data[j]} at index ${j}`, { hint });
      }
    }
    out.set(name, data);
  });
  return out;
}
