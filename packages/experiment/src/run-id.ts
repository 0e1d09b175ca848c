import { createHash } from 'node:crypto';
import { canonicalJson } from '@prunekit/core';
import { type Recipe, resolveRecipe } from './recipe.js';

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

/**
 * A run id: a readable prefix plus the first 10 hex digits of the SHA-256 of the recipe's
 * non-default fields (as open_lth names runs). A new option whose default does nothing leaves
 * old ids unchanged, so old run directories stay valid.
 *
 * @example
 * ```ts
 * runId(recipe); // "lenet-300-100.fashion-mnist.lr-rewind-3f9a0c1d2e"
 * ```
 */
export function runId(recipe: Recipe): string {
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
