import * as tf from '@tensorflow/tfjs-core';
import { type MaskContext, z } from '@prunekit/core';
import { applyMaskToModel, hostSaliency, requireModel, withRestoredVariables } from '../live-model.js';
import type { Score, ScoreMap } from '../types.js';

/** Options of the SynFlow score. */
export type SynflowOptions = {
  /** Score → prune steps per pruning step, along an exponential schedule (Tanaka et al.: 100). */
  iterations: number;
};

/**
 * SynFlow (Tanaka et al. 2020), data-free: every parameter and state tensor is replaced by its
 * absolute value (the "linearized" network; pruned weights are 0), an all-ones input of one
 * example goes through the model in eval mode (batch norm uses its — also made positive —
 * running statistics), `R = Σ output`, and the score is `|θ ⊙ ∂R/∂θ|`. With `iterations = n`
 * the strategy scores and prunes `n` times, keeping `N·(K/N)^(i/n)` after step `i` (exponential
 * schedule), re-scoring under each intermediate mask. The model's parameters and state are
 * restored exactly (signs included) after every scoring. float32 only: if `R` overflows on a
 * deep model the score throws `E_NAN`.
 *
 * @example
 * ```ts
 * const scores = await synflowScore.score({ ...ctx, model }, { iterations: 1 });
 * ```
 */
export const synflowScore: Score<SynflowOptions> = {
  name: 'synflow',
  description: 'SynFlow synaptic flow |θ · ∂R/∂θ| of the linearized network (data-free)',
  reference: 'Tanaka, Kunin, Yamins & Ganguli, NeurIPS 2020',
  defaults: { iterations: 100 },
  shape: { iterations: z.number().int().min(1).max(10_000) },
  iterations: (options: SynflowOptions) => options.iterations,
  async score(ctx: MaskContext): Promise<ScoreMap> {
    const who = 'score synflow';
    const model = requireModel(ctx, who);
    const names = ctx.mask.names();
    const pruned = names.map((n) => model.variable(n));
    const all = [
      ...model.params.map((p) => model.variable(p.name)),
      ...model.state.map((s) => model.stateVariable(s.name)),
    ];
    return withRestoredVariables(all, () => {
      tf.tidy(() => {
        for (const v of all) v.assign(tf.abs(v));
      });
      applyMaskToModel(model, ctx);
      const { value, grads } = tf.variableGrads(() => {
        const x = tf.ones([1, ...model.inputShape]);
        return tf.sum(model.forward(x, false));
      }, pruned);
      value.dispose();
      const g = pruned.map((v) => grads[v.name]!);
      try {
        return hostSaliency(
          names,
          pruned,
          g,
          who,
          'the synaptic flow overflowed float32; use fewer layers or a smaller model',
        );
      } finally {
        for (const t of g) t.dispose();
      }
    });
  },
};
