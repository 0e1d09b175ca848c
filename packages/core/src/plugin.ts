import type { ZodType } from 'zod';
import { PruneError } from './errors.js';

/**
 * What every plugin (mask strategy, rewind policy, sign metric, model, dataset) is: a plain
 * object with a name, a description, default options and a schema that validates options.
 */
export interface Plugin<Options = Record<string, unknown>> {
  /** Registry name, kebab-case, e.g. `magnitude-global`. */
  readonly name: string;
  /** One line for `prunekit list` and `describe`. */
  readonly description: string;
  /** The paper or source the method comes from, if any. */
  readonly reference?: string;
  /** Default options. */
  readonly defaults: Options;
  /** Validates user options (after merging with `defaults`). */
  readonly schema: ZodType<Options>;
}

/**
 * Merge `options` over a plugin's defaults and validate them. Errors name the field path and the
 * problem: `mask strategy 'magnitude-global': options.fraction: Too big: expected number to be <1`.
 *
 * @example
 * ```ts
 * const opts = resolveOptions(magnitudeGlobal, { fraction: 0.2 }, 'masks.options');
 * ```
 */
export function resolveOptions<O>(plugin: Plugin<O>, options: unknown, path = 'options'): O {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new PruneError(
      'E_RECIPE',
      `${plugin.name}: ${path} must be an object, got ${JSON.stringify(options)}`,
    );
  }
  const merged = { ...(plugin.defaults as object), ...((options as object | undefined) ?? {}) };
  const parsed = plugin.schema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${[path, ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new PruneError('E_RECIPE', `'${plugin.name}': ${issues.join('; ')}`, {
    hint: `defaults are ${JSON.stringify(plugin.defaults)}`,
  });
}
