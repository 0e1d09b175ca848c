import * as tf from '@tensorflow/tfjs-core';
import { type HostTensor, type ParamStore, PruneError } from '@prunekit/core';
import { maskedVariable } from './sign-inputs.js';
import { signOf } from './signs-of.js';

/** A fixed sign pattern, applied to a store after each optimizer step. */
export interface FixedSignProjection {
  /** The parameters it projects, in order. */
  readonly names: readonly string[];
  /**
   * w ← |w| ⊙ s for every projected parameter of `store`, in one `tf.tidy` (no tensor is left
   * behind). Throws `E_SHAPE` naming a parameter whose shape differs, `E_UNKNOWN_NAME` (from the
   * store) for a missing one, and `E_INTERNAL` after `dispose()`.
   */
  apply(store: ParamStore): void;
  /** Free the cached sign tensors. Idempotent. */
  dispose(): void;
}

/**
 * Fixed-sign training: build a projection w ← |w| ⊙ s for a fixed sign pattern s, to call after every
 * optimizer step. `signs` maps parameter names to host tensors whose *signs* are used (see
 * {@link signOf}): pass `signsOf(weights, mask)` or weights directly (e.g. another run's trained
 * weights). An entry with sign 0 zeroes that weight, so signs taken under a mask also keep pruned
 * weights at zero. Only the listed parameters are projected.
 *
 * The sign tensors are created once (the projection owns them; `dispose()` frees them), so each
 * `apply` costs one `abs` and one `mul` per parameter.
 *
 * @example
 * ```ts
 * const projection = fixedSignProjection(signsOf(anchor.params, mask));
 * for (const batch of batches) { optimizer.minimize(loss); projection.apply(model); }
 * projection.dispose();
 * ```
 */
export function fixedSignProjection(signs: ReadonlyMap<string, HostTensor>): FixedSignProjection {
  const cached = new Map<string, tf.Tensor>();
  for (const [name, t] of signs) {
    const s = new Float32Array(t.data.length);
    for (let i = 0; i < s.length; i++) s[i] = signOf(t.data[i]!);
    cached.set(name, tf.keep(tf.tensor(s, [...t.shape], 'float32')));
  }
  let disposed = false;
  return {
    names: [...cached.keys()],
    apply(store) {
      if (disposed) throw new PruneError('E_INTERNAL', 'fixedSignProjection.apply() after dispose()');
      const pairs: [tf.Variable, tf.Tensor][] = [];
      for (const [name, s] of cached) {
        pairs.push([maskedVariable(store, name, s.shape, 'the fixed signs'), s]);
      }
      tf.tidy(() => {
        for (const [v, s] of pairs) v.assign(tf.mul(tf.abs(v), s));
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const s of cached.values()) s.dispose();
      cached.clear();
    },
  };
}
