import { Registry } from '@prunekit/core';
import { cifar10 } from './cifar10.js';
import { cifar100 } from './cifar100.js';
import type { DatasetFactory } from './dataset-factory.js';
import { fashionMnist } from './fashion-mnist.js';
import { gaussianMixture } from './gaussian-mixture.js';
import { mnist } from './mnist.js';
import { teacherNeuron } from './teacher-neuron.js';
import { tinyImagenet } from './tiny-imagenet.js';

/** A dataset factory with any options (what a registry holds; options are validated by its schema). */
export type AnyDatasetFactory = DatasetFactory<object>;

/**
 * The built-in datasets, in registry order. Nothing registers at import time: start a registry
 * from this list with {@link createDatasetRegistry}.
 *
 * @example
 * ```ts
 * builtinDatasets.map((d) => d.name); // ['teacher-neuron', 'gaussian-mixture', 'mnist', …]
 * ```
 */
export const builtinDatasets: readonly AnyDatasetFactory[] = [
  teacherNeuron,
  gaussianMixture,
  mnist,
  fashionMnist,
  cifar10,
  cifar100,
  tinyImagenet,
];

/**
 * A new registry of dataset factories holding the built-ins; register your own on it.
 *
 * @example
 * ```ts
 * const datasets = createDatasetRegistry();
 * datasets.register(myDataset);
 * const data = await loadDataset(datasets.get('cifar10'), { limit: 1000 });
 * ```
 */
export function createDatasetRegistry(): Registry<AnyDatasetFactory> {
  return new Registry<AnyDatasetFactory>('dataset', builtinDatasets);
}
