import { resolveOptions } from '@prunekit/core';
import type { ModelFactory } from './model-factory.js';
import { VGG11_PLAN, type VggOptions, buildVgg, vggDefaults, vggSchema } from './vgg.js';

/**
 * VGG-11 for CIFAR (configuration A): 8 3×3 convs without bias, each followed by batch
 * norm and ReLU, five 2×2 max-pools, global average pooling and one linear classifier `fc`
 * (with bias), as in common CIFAR VGG code. Conv and fc weights are prunable; BN and the bias are not.
 *
 * @example
 * ```ts
 * const model = createModel(vgg11, { classes: 100 }, 0); // CIFAR-100
 * ```
 */
export const vgg11: ModelFactory<VggOptions> = {
  name: 'vgg11',
  description: 'VGG-11 (CIFAR variant): 3×3 convs without bias + BN + ReLU, max-pools, one linear classifier',
  reference: 'Simonyan & Zisserman, Very Deep Convolutional Networks, ICLR 2015 (arXiv 1409.1556)',
  defaults: vggDefaults,
  schema: vggSchema,
  create(options, seed) {
    return buildVgg('vgg11', VGG11_PLAN, resolveOptions(vgg11, options), seed);
  },
};
