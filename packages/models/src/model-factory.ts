import { type Plugin, type PrunableModel, resolveOptions } from '@prunekit/core';

/**
 * A model in a registry: a plain object with a name, a description, default options, a zod
 * schema, and `create`, which builds a fresh {@link PrunableModel} initialized from `seed`.
 * `create` validates its options itself (merging them over `defaults`), so it may be called
 * with the output of `resolveOptions` or with a full options object.
 *
 * @example
 * ```ts
 * const tiny: ModelFactory<{ classes: number }> = {
 *   name: 'tiny', description: 'a linear classifier on 4 features', defaults: { classes: 2 },
 *   schema: z.object({ classes: z.number().int().positive() }).strict(),
 *   create: (o, seed) => new Network({ name: 'tiny', inputShape: [4], outputSize: o.classes, task: 'classification' },
 *     seed, (n) => { const fc = dense(n, 'fc', 4, o.classes); return (x) => fc(x); }),
 * };
 * ```
 */
export interface ModelFactory<Options = Record<string, unknown>> extends Plugin<Options> {
  /** Build a fresh model from options and a seed. The caller owns it (`dispose()`). */
  create(options: Options, seed: number): PrunableModel;
}

/**
 * Merge `options` over a factory's defaults, validate them (`E_RECIPE` naming the field), and
 * build the model. The caller owns (and disposes) the model.
 *
 * @example
 * ```ts
 * const model = createModel(resnet18, { width: 16, classes: 10 }, 42);
 * model.dispose();
 * ```
 */
export function createModel<O>(
  factory: ModelFactory<O>,
  options?: unknown,
  seed = 0,
  path = 'model.options',
): PrunableModel {
  return factory.create(resolveOptions(factory, options, path), seed);
}
