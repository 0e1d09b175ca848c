import type * as tf from '@tensorflow/tfjs-core';
import { type Task, resolveOptions, sizeOf, z } from '@prunekit/core';
import { type Layer, dense, flatten } from './layers.js';
import type { ModelFactory } from './model-factory.js';
import { Network } from './network.js';
import { classesSchema, inputShapeSchema } from './options.js';

const schema = z
  .object({
    inputShape: inputShapeSchema,
    hidden: z.array(z.number().int().positive()).describe('widths of the hidden layers (ReLU), in order'),
    classes: classesSchema,
  })
  .strict();

/** Options of {@link mlp}. */
export type MlpOptions = z.infer<typeof schema>;

/**
 * Build a multilayer perceptron: flatten, then `fc1 … fc{n+1}` (`[in, out]` kernels,
 * Kaiming-normal, prunable; zero biases, not prunable), ReLU between layers, logits out.
 * Used by {@link mlp} and {@link lenet300100}.
 */
export function buildMlp(name: string, o: MlpOptions, seed: number, task: Task = 'classification'): Network {
  const widths = [sizeOf(o.inputShape), ...o.hidden, o.classes];
  return new Network({ name, inputShape: o.inputShape, outputSize: o.classes, task }, seed, (net) => {
    const layers: Layer[] = [];
    for (let i = 0; i + 1 < widths.length; i++) {
      const last = i + 2 === widths.length;
      layers.push(dense(net, `fc${i + 1}`, widths[i]!, widths[i + 1]!, { relu: !last }));
    }
    return (x: tf.Tensor) => {
      let h: tf.Tensor = flatten(x);
      for (const layer of layers) h = layer(h);
      return h;
    };
  });
}

/**
 * A multilayer perceptron of any widths on flattened input: `fc1 … fc{n+1}` with ReLU, logits
 * out. Every weight (first and last layer included) is prunable; biases are not.
 *
 * @example
 * ```ts
 * const model = createModel(mlp, { inputShape: [28, 28, 1], hidden: [300, 100], classes: 10 });
 * model.params.map((p) => p.name); // ['fc1.weight', 'fc1.bias', 'fc2.weight', …, 'fc3.bias']
 * ```
 */
export const mlp: ModelFactory<MlpOptions> = {
  name: 'mlp',
  description: 'multilayer perceptron of any widths (ReLU), flattening its input',
  defaults: { inputShape: [28, 28, 1], hidden: [300, 100], classes: 10 },
  schema,
  create(options, seed) {
    return buildMlp('mlp', resolveOptions(mlp, options), seed);
  },
};
