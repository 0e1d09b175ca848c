import { type HostTensor, type Mask, PruneError, type Weights, sameShape } from '@prunekit/core';

/**
 * Linear interpolation of two weight sets, (1 − α)·a + α·b per parameter, as new host tensors (the
 * caller owns them). With a `mask`, masked parameters are multiplied by it (pruned weights are 0 on
 * the whole path); unmasked parameters (biases, batch norm) are interpolated as they are.
 * `a` and `b` must hold the same names and shapes (`E_SHAPE` naming the parameter); every mask entry
 * must be in them (`E_MASK`). α may lie outside [0, 1] (extrapolation) but must be finite.
 *
 * @example
 * ```ts
 * const mid = interpolate(runA.params, runB.params, 0.5, mask);
 * store.restore({ params: mid });
 * ```
 */
export function interpolate(
  a: ReadonlyMap<string, HostTensor>,
  b: ReadonlyMap<string, HostTensor>,
  alpha: number,
  mask?: Mask,
): Weights {
  if (!Number.isFinite(alpha))
    throw new PruneError('E_RECIPE', `interpolation coefficient α must be finite, got ${alpha}`);
  for (const name of b.keys()) {
    if (!a.has(name))
      throw new PruneError('E_SHAPE', `parameter '${name}' is in 'b' but not in 'a'`, { where: name });
  }
  if (mask) {
    for (const name of mask.names()) {
      if (!a.has(name)) {
        throw new PruneError('E_MASK', `the mask covers '${name}', which the weights do not hold`, {
          where: name,
        });
      }
    }
  }
  const out: Weights = new Map();
  for (const [name, ta] of a) {
    const tb = b.get(name);
    if (!tb) throw new PruneError('E_SHAPE', `parameter '${name}' is in 'a' but not in 'b'`, { where: name });
    if (!sameShape(ta.shape, tb.shape) || ta.data.length !== tb.data.length) {
      throw new PruneError(
        'E_SHAPE',
        `parameter '${name}' is [${ta.shape.join(', ')}] in 'a' but [${tb.shape.join(', ')}] in 'b'`,
        {
          where: name,
        },
      );
    }
    const m = mask?.has(name) ? mask.get(name) : undefined;
    if (m && !sameShape(m.shape, ta.shape)) {
      throw new PruneError(
        'E_MASK',
        `parameter '${name}' is [${ta.shape.join(', ')}] in the weights but [${m.shape.join(', ')}] in the mask`,
        {
          where: name,
        },
      );
    }
    const d = new Float32Array(ta.data.length);
    for (let i = 0; i < d.length; i++) {
      d[i] = m && m.data[i] === 0 ? 0 : (1 - alpha) * ta.data[i]! + alpha * tb.data[i]!;
    }
    out.set(name, { shape: [...ta.shape], data: d });
  }
  return out;
}
