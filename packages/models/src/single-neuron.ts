import * as tf from '@tensorflow/tfjs-core';
import { resolveOptions, z } from '@prunekit/core';
import type { ModelFactory } from './model-factory.js';
import { Network, fillNormal } from './network.js';

const schema = z
  .object({
    d: z.number().int().positive().describe('input dimension (length of w)'),
    init: z
      .enum(['standard', 'balanced'])
      .describe(
        'standard: w_i ~ N(0, 1/d), a ~ N(0, 1); balanced: w as standard, |a| = ‖w‖ with a random sign',
      ),
    a0: z.number().optional().describe('explicit initial a (overrides the drawn value)'),
    w0: z.array(z.number()).optional().describe('explicit initial w, d values (overrides the drawn values)'),
  })
  .strict()
  .refine((o) => o.w0 === undefined || o.w0.length === o.d, {
    message: 'w0 must have exactly d values',
    path: ['w0'],
  });

/** Options of {@link singleNeuron}. */
export type SingleNeuronOptions = z.infer<typeof schema>;

/**
 * The one-hidden-neuron student of the paper's theory: f(x) = a·ReLU(wᵀx), w ∈ ℝᵈ, for
 * regression (output `[batch, 1]`). Parameters `w` (`[d, 1]`, prunable) and `a` (`[1]`, not
 * prunable). Init `standard`: wᵢ ~ N(0, 1/d), a ~ N(0, 1); `balanced`: w as standard and
 * a = ±‖w‖ with a random sign (gradient flow conserves a² − ‖w‖², so a never changes sign).
 * `a0` / `w0` fix the initial values (balanced init then derives |a| from `w0`).
 *
 * @example
 * ```ts
 * const model = createModel(singleNeuron, { d: 3, a0: 2, w0: [1, -1, 0.5] });
 * const y = tf.tidy(() => model.forward(tf.tensor2d([[1, 2, 3]]), false)); // [[1]] = 2·ReLU(0.5)
 * ```
 */
export const singleNeuron: ModelFactory<SingleNeuronOptions> = {
  name: 'single-neuron',
  description: 'one hidden ReLU neuron f(x) = a·ReLU(wᵀx), the theory model of LRR vs IMP (regression)',
  reference:
    'Gadhikar & Burkholz, Masks, Signs, and Learning Rate Rewinding, ICLR 2024 (arXiv 2402.19262), Sec. 3',
  defaults: { d: 10, init: 'standard' },
  schema,
  create(options, seed) {
    const o = resolveOptions(singleNeuron, options);
    const d = o.d;
    return new Network(
      { name: 'single-neuron', inputShape: [d], outputSize: 1, task: 'regression' },
      seed,
      (net) => {
        const w = net.param(
          { name: 'w', shape: [d, 1], prunable: true, role: 'weight', layer: 'hidden', layerKind: 'dense' },
          ({ rng, size }) => {
            if (o.w0) return Float32Array.from(o.w0);
            return fillNormal(rng, new Float32Array(size), 1 / Math.sqrt(d));
          },
        ) as tf.Tensor2D;
        const a = net.param(
          { name: 'a', shape: [1], prunable: false, role: 'weight', layer: 'output', layerKind: 'dense' },
          ({ rng, value }) => {
            if (o.a0 !== undefined) return Float32Array.of(o.a0);
            if (o.init === 'standard') return fillNormal(rng, new Float32Array(1));
            const wv = value('w');
            let sq = 0;
            for (const v of wv) sq += v * v;
            return Float32Array.of((rng.next() < 0.5 ? -1 : 1) * Math.sqrt(sq));
          },
        );
        return (x) => tf.mul(tf.relu(tf.matMul(x as tf.Tensor2D, w)), a);
      },
    );
  },
};
