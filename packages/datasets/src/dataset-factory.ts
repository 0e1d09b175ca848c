import { type Dataset, type Plugin, resolveOptions } from '@prunekit/core';

/**
 * A dataset in a registry: a plain object with a name, a description, default options, a zod
 * schema, and `load`, which builds the {@link Dataset} (reading files, generating data). `load`
 * receives options already merged over `defaults` and validated (see {@link loadDataset}).
 *
 * @example
 * ```ts
 * const tiny: DatasetFactory<{ n: number }> = {
 *   name: 'tiny', description: 'four points', defaults: { n: 4 },
 *   schema: z.object({ n: z.number().int().positive() }).strict(),
 *   load: ({ n }) => createArrayDataset({ name: 'tiny', task: 'regression', inputShape: [1], outputSize: 1,
 *     train: { x: new Float32Array(n), y: new Float32Array(n) } }),
 * };
 * ```
 */
export interface DatasetFactory<Options = Record<string, unknown>> extends Plugin<Options> {
  /** Build the dataset from validated options. May read files (then it is async). */
  load(options: Options): Dataset | Promise<Dataset>;
}

/**
 * Merge `options` over a factory's defaults, validate them (`E_RECIPE` naming the field), and load.
 *
 * @example
 * ```ts
 * const data = await loadDataset(createDatasetRegistry().get('cifar10'), { limit: 1000, validation: 100 });
 * ```
 */
export async function loadDataset<O>(
  factory: DatasetFactory<O>,
  options?: unknown,
  path = 'data.options',
): Promise<Dataset> {
  return factory.load(resolveOptions(factory, options, path));
}
