import { resolveOptions } from '@prunekit/core';
import type { ModelFactory } from './model-factory.js';
import { type ResNetOptions, buildResNet, resnetSchema } from './resnet.js';

/**
 * ResNet-18 (basic blocks [2, 2, 2, 2]) with a CIFAR stem (3×3 conv, no max-pool) or an
 * ImageNet stem (7×7 stride-2 conv + max-pool, for Tiny ImageNet 64×64). Convs without bias, BN,
 * 1×1 projection shortcuts, linear classifier with bias. CIFAR-10 at width 64: 11,173,962
 * parameters, 11,164,352 prunable (conv and fc weights), as PyTorch's definition.
 *
 * @example
 * ```ts
 * const model = createModel(resnet18, { classes: 10 }, 0);                      // CIFAR-10
 * const tiny = createModel(resnet18, { stem: 'imagenet', inputShape: [64, 64, 3], classes: 200 }, 0);
 * ```
 */
export const resnet18: ModelFactory<ResNetOptions> = {
  name: 'resnet18',
  description: 'ResNet-18 (basic blocks 2-2-2-2, BN, no conv bias), CIFAR or ImageNet stem',
  reference: 'He et al., Deep Residual Learning for Image Recognition, CVPR 2016 (arXiv 1512.03385)',
  defaults: { inputShape: [32, 32, 3], classes: 10, width: 64, stem: 'cifar' },
  schema: resnetSchema,
  create(options, seed) {
    return buildResNet('resnet18', 'basic', [2, 2, 2, 2], resolveOptions(resnet18, options), seed);
  },
};
