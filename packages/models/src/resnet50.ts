import { resolveOptions } from '@prunekit/core';
import type { ModelFactory } from './model-factory.js';
import { type ResNetOptions, buildResNet, resnetSchema } from './resnet.js';

/**
 * ResNet-50 (bottleneck blocks [3, 4, 6, 3], expansion 4, stride on the 3×3 conv) with a CIFAR
 * or ImageNet stem. Defaults to CIFAR-100, as in the paper. CIFAR-100 at width 64: 23,705,252
 * parameters, 23,652,032 prunable, as PyTorch's definition.
 *
 * @example
 * ```ts
 * const model = createModel(resnet50, { classes: 100 }, 0);                           // CIFAR-100
 * const tiny = createModel(resnet50, { stem: 'imagenet', inputShape: [64, 64, 3], classes: 200 }, 0);
 * ```
 */
export const resnet50: ModelFactory<ResNetOptions> = {
  name: 'resnet50',
  description: 'ResNet-50 (bottleneck blocks 3-4-6-3, BN, no conv bias), CIFAR or ImageNet stem',
  reference: 'He et al., Deep Residual Learning for Image Recognition, CVPR 2016 (arXiv 1512.03385)',
  defaults: { inputShape: [32, 32, 3], classes: 100, width: 64, stem: 'cifar' },
  schema: resnetSchema,
  create(options, seed) {
    return buildResNet('resnet50', 'bottleneck', [3, 4, 6, 3], resolveOptions(resnet50, options), seed);
  },
};
