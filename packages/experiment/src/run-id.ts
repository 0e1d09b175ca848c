import { createHash } from 'node:crypto';
import { canonicalJson } from '@prunekit/core';
import { type Recipe, resolveRecipe } from './recipe.js';
import { createRegistries, type Registries } from './registries.js';

export { canonicalJson };

/**
 * The fields of `value` that differ from `defaults` (deep). Arrays and plugin options are
 * compared whole.
 *
 * @example
 * ```ts
 * nonDefault({ a: 1, b: { c: 2, d: 3 } }, { a: 1, b: { c: 2, d: 4 } }); // { b: { d: 3 } }
 * ```
 */
export function nonDefault(value: unknown, defaults: unknown): unknown {
  if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    defaults &&
    typeof defaults === 'object' &&
    !Array.isArray(defaults)
  ) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const d = (defaults as Record<string, unknown>)[k];
      if (canonicalJson(v) === canonicalJson(d)) continue;
      out[k] = nonDefault(v, d);
    }
    return out;
  }
  return value;
}

interface PluginRefLike {
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
}

let builtins: Registries | undefined;

/**
 * A plugin reference with the options that equal the plugin's defaults left out, so writing a
 * default explicitly does not change a run id. Unknown plugins are returned unchanged.
 */
function withoutDefaultOptions(
  ref: PluginRefLike,
  registry: { has(name: string): boolean; get(name: string): { defaults: unknown } },
): PluginRefLike {
  if (!registry.has(ref.name)) return ref;
  const defaults = (registry.get(ref.name).defaults ?? {}) as Record<string, unknown>;
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ref.options))
    if (canonicalJson(v) !== canonicalJson(defaults[k])) options[k] = v;
  return { ...ref, options };
}

/**
 * The recipe with every plugin's options that equal that plugin's defaults dropped (model,
 * dataset, strategy, policy, modifiers): the form run ids are computed from.
 *
 * @example
 * ```ts
 * normalizeOptions(resolveRecipe({ ...r, rewind: { policy: { name: 'weight-rewind', options: { replayFrom: 'start' } } } }))
 *   .rewind.policy.options; // {} (replayFrom: 'start' is the default)
 * ```
 */
export function normalizeOptions(
  recipe: Recipe,
  registries: Registries = (builtins ??=
    createRegistries()),
): Recipe {
  return {
    ...recipe,
    model: withoutDefaultOptions(recipe.model, registries.models),
    dataset: withoutDefaultOptions(recipe.dataset, registries.datasets),
    pruning: {
      ...recipe.pruning,
      strategy: withoutDefaultOptions(recipe.pruning.strategy, registries.masks),
    },
    rewind: {
      ...recipe.rewind,
      policy: withoutDefaultOptions(recipe.rewind.policy, registries.rewind),
      modifiers: recipe.rewind.modifiers.map((m) => withoutDefaultOptions(m, registries.modifiers)),
    },
  } as Recipe;
}

/**
 * A run id: a readable prefix plus the first 10 hex digits of the SHA-256 of the recipe's
 * non-default fields (as open_lth names runs). Plugin options written at their plugin's default
 * count as not written (`registries`: where to look the defaults up; default: the built-ins).
 * A new option whose default does nothing leaves old ids unchanged, so old run directories stay
 * valid.
 *
 * @example
 * ```ts
 * runId(recipe); // "lenet-300-100.fashion-mnist.lr-rewind-3f9a0c1d2e"
 * ```
 */
export function runId(input: Recipe, registries?: Registries): string {
  const recipe = normalizeOptions(input, registries);
  const base = resolveRecipe({ model: recipe.model, dataset: recipe.dataset });
  // model and dataset always count, even when they match the minimal recipe.
  const diff = {
    ...(nonDefault(recipe, base) as Record<string, unknown>),
    model: recipe.model,
    dataset: recipe.dataset,
  };
  const hash = createHash('sha256').update(canonicalJson(diff)).digest('hex').slice(0, 10);
  const prefix = recipe.name ?? `${recipe.model.name}.${recipe.dataset.name}.${recipe.rewind.policy.name}`;
  return `${prefix.replace(/[^A-Za-z0-9._-]/g, '_')}-${hash}`;
}
