import * as tf from '@tensorflow/tfjs-core';
import { type MaskContext, PruneError, z } from '@prunekit/core';
import { applyMaskToModel, hostSaliency, requireModel, withRestoredVariables } from '../live-model.js';
import type { Score, ScoreMap } from '../types.js';

/** Options of the SNIP score. */
export type SnipOptions = {
  /** How many batches of `ctx.batches()` to sum gradients over (default 1, as in SNIP). */
  batches: number;
  /** Batch-norm mode of the forward pass: `eval` (running statistics, default) or `train`. */
  bnMode: 'eval' | 'train';
};

/**
 * SNIP connection sensitivity (Lee et al. 2019): `|w ⊙ ∂L/∂w|`, with the gradient of the loss
 * summed over the first `batches` batches, on the live model with pruned weights set to 0.
 * Needs `ctx.model`, `ctx.batches` and `ctx.loss`. The model's parameters and state (batch-norm
 * running statistics, even in `train` mode) are exactly restored afterwards; the batches are
 * disposed. Creates no lasting tensors.
 *
 * @example
 * ```ts
 * const scores = await snipScore.score({ ...ctx, model, batches: () => data, loss }, { batches: 1, bnMode: 'eval' });
 * ```
 */
export const snipScore: Score<SnipOptions> = {
  name: 'snip',
  description: 'SNIP connection sensitivity |w · ∂L/∂w| on a few batches',
  reference: 'Lee, Ajanthan & Torr, SNIP, ICLR 2019',
  defaults: { batches: 1, bnMode: 'eval' },
  shape: { batches: z.number().int().min(1), bnMode: z.enum(['eval', 'train']) },
  async score(ctx: MaskContext, options: SnipOptions): Promise<ScoreMap> {
    const who = 'score snip';
    const model = requireModel(ctx, who, ['batches', 'loss']);
    const names = ctx.mask.names();
    const vars = names.map((n) => model.variable(n));
    const state = model.state.map((s) => model.stateVariable(s.name));
    return withRestoredVariables([...vars, ...state], () => {
      applyMaskToModel(model, ctx);
      let acc: tf.Tensor[] | undefined;
      let used = 0;
      try {
        for (const batch of ctx.batches!()) {
          try {
            const { value, grads } = tf.variableGrads(
              () => ctx.loss!(model.forward(batch.x, options.bnMode === 'train'), batch.y),
              vars,
            );
            value.dispose();
            const g = vars.map((v) => grads[v.name]!);
            if (!acc) acc = g;
            else {
              const prev: tf.Tensor[] = acc;
              acc = prev.map((a, i) => tf.add(a, g[i]!));
              for (const t of [...prev, ...g]) t.dispose();
            }
          } finally {
            batch.x.dispose();
            batch.y.dispose();
          }
          if (++used >= options.batches) break;
        }
        if (!acc) {
          throw new PruneError('E_DATA', `${who}: ctx.batches() yielded no batch`, {
            hint: 'pass a non-empty training split',
          });
        }
        return hostSaliency(names, vars, acc, who, 'the loss or its gradient is not finite on these batches');
      } finally {
        for (const t of acc ?? []) t.dispose();
      }
    });
  },
};
