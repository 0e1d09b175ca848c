import { Registry } from '@prunekit/core';
import { conv2 } from './conv2.js';
import { conv4 } from './conv4.js';
import { conv6 } from './conv6.js';
import { lenet300100 } from './lenet-300-100.js';
import { mlp } from './mlp.js';
import type { ModelFactory } from './model-factory.js';
import { resnet18 } from './resnet18.js';
import { resnet50 } from './resnet50.js';
import { singleNeuron } from './single-neuron.js';
import { vgg11 } from './vgg11.js';
import { vgg16 } from './vgg16.js';

/**
 * The built-in models: `single-neuron`, `mlp`, `lenet-300-100`, `conv2`, `conv4`, `conv6`,
 * `vgg11`, `vgg16`, `resnet18`, `resnet50`.
 *
 * @example
 * ```ts
 * builtinModels.map((m) => m.name);
 * ```
 */
export const builtinModels: readonly ModelFactory[] = [
  singleNeuron,
  mlp,
  lenet300100,
  conv2,
  conv4,
  conv6,
  vgg11,
  vgg16,
  resnet18,
  resnet50,
];

/**
 * A fresh registry of models holding the built-ins. Register your own on it.
 *
 * @example
 * ```ts
 * const models = createModelRegistry();
 * const model = createModel(models.get('resnet18'), { width: 16 }, 0);
 * models.register(myModel);
 * ```
 */
export function createModelRegistry(): Registry<ModelFactory> {
  return new Registry<ModelFactory>('model', builtinModels);
}
