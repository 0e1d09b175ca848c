import { canonicalJson } from './atomic.js';

/**
 * Recipe fields that tell replicates apart (runs of one method that differ only in their seeds).
 *
 * @example
 * ```ts
 * SEED_FIELDS; // ['seed', 'seeds']
 * ```
 */
export const SEED_FIELDS: readonly string[] = ['seed', 'seeds'];

/**
 * The canonical JSON of a recipe without its seed fields: equal exactly for replicates. The one
 * grouping rule shared by the experiment merge (`replicateKey`) and the report (`groupRuns`).
 *
 * @example
 * ```ts
 * seedlessJson({ seed: 1, rewind: 'lr' }) === seedlessJson({ seed: 2, rewind: 'lr' }); // true
 * ```
 */
export function seedlessJson(recipe: Readonly<Record<string, unknown>>): string {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(recipe)) if (!SEED_FIELDS.includes(k)) rest[k] = v;
  return canonicalJson(rest);
}
