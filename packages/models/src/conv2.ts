import { resolveOptions } from '@prunekit/core';
import { type ConvNetOptions, buildConvNet, convNetDefaults, convNetSchema } from './convnet.js';
import type { ModelFactory } from './model-factory.js';

/**
 * Conv-2 (Frankle & Carbin 2019): one block of two 3×3 convs + 2×2 max-pool (channels
 * 64 at width 64), then dense 256-256-classes. Convs and dense layers have
 * biases (not prunable); every weight is prunable. Works on 32×32×3 (CIFAR) and 28×28×1 (Fashion-MNIST).
 *
 * @example
 * ```ts
 * const model = createModel(conv2, { inputShape: [28, 28, 1], classes: 10 }, 0);
 * ```
 */
export const conv2: ModelFactory<ConvNetOptions> = {
  name: 'conv2',
  description: 'Conv-2: 2 3×3 convs (64×2) with max-pool after each pair, dense 256-256-classes',
  reference: 'Frankle & Carbin, The Lottery Ticket Hypothesis, ICLR 2019 (arXiv 1803.03635)',
  defaults: convNetDefaults,
  schema: convNetSchema,
  create(options, seed) {
    return buildConvNet('conv2', 1, resolveOptions(conv2, options), seed);
  },
};
