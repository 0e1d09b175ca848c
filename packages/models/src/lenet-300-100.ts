import { resolveOptions, z } from '@prunekit/core';
import { buildMlp } from './mlp.js';
import type { ModelFactory } from './model-factory.js';
import { classesSchema, inputShapeSchema } from './options.js';

const schema = z.object({ inputShape: inputShapeSchema, classes: classesSchema }).strict();

/** Options of {@link lenet300100}. */
export type Lenet300100Options = z.infer<typeof schema>;

/**
 * LeNet-300-100: the MLP 784 → 300 → 100 → 10 (ReLU) of the lottery-ticket paper, on
 * flattened 28×28×1 images. 266,610 parameters, 266,200 of them prunable weights.
 *
 * @example
 * ```ts
 * const model = createModel(lenet300100, {}, 0); // MNIST / Fashion-MNIST
 * ```
 */
export const lenet300100: ModelFactory<Lenet300100Options> = {
  name: 'lenet-300-100',
  description: 'LeNet-300-100: MLP 784-300-100-10 (ReLU) for MNIST / Fashion-MNIST',
  reference: 'LeCun et al. 1998; Frankle & Carbin, The Lottery Ticket Hypothesis, ICLR 2019',
  defaults: { inputShape: [28, 28, 1], classes: 10 },
  schema,
  create(options, seed) {
    const o = resolveOptions(lenet300100, options);
    return buildMlp('lenet-300-100', { ...o, hidden: [300, 100] }, seed);
  },
};
