import { z } from '@prunekit/core';
import type { ModelFactory } from './model-factory.js';
import { createModelRegistry } from './registry.js';

/** One option of a model, for `prunekit describe`. */
export interface OptionDescription {
  readonly name: string;
  /** A readable type, e.g. `integer ≥ 1`, `'cifar' | 'imagenet'`, `[integer, integer, integer]`. */
  readonly type: string;
  /** Whether the option must be given (it has no default and is not optional). */
  readonly required: boolean;
  /** The default value, when there is one. */
  readonly default?: unknown;
  readonly description?: string;
}

/** What `prunekit describe <model>` prints. */
export interface ModelDescription {
  readonly name: string;
  readonly description: string;
  readonly reference?: string;
  readonly defaults: unknown;
  readonly options: readonly OptionDescription[];
}

/**
 * The options of a model (type, default, description), read from its zod schema.
 *
 * @example
 * ```ts
 * describeModel('resnet18').options.map((o) => `${o.name}: ${o.type} = ${JSON.stringify(o.default)}`);
 * // ['inputShape: [integer ≥ 1, integer ≥ 1, integer ≥ 1] = [32,32,3]', 'classes: integer ≥ 1 = 10', …]
 * ```
 */
export function describeModel(
  model: string | ModelFactory,
  registry = createModelRegistry(),
): ModelDescription {
  const factory = typeof model === 'string' ? registry.get(model) : model;
  const json = z.toJSONSchema(factory.schema, { unrepresentable: 'any' }) as JsonSchema;
  const defaults = (factory.defaults ?? {}) as Record<string, unknown>;
  const required = new Set(json.required ?? []);
  const options = Object.entries(json.properties ?? {}).map(([name, s]): OptionDescription => {
    const hasDefault = Object.hasOwn(defaults, name);
    return {
      name,
      type: typeText(s),
      required: required.has(name) && !hasDefault,
      ...(hasDefault ? { default: defaults[name] } : {}),
      ...(s.description ? { description: s.description } : {}),
    };
  });
  return {
    name: factory.name,
    description: factory.description,
    ...(factory.reference ? { reference: factory.reference } : {}),
    defaults: factory.defaults,
    options,
  };
}

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  description?: string;
}

function typeText(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v).replaceAll('"', "'")).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const).replaceAll('"', "'");
  if (s.anyOf) return s.anyOf.map(typeText).join(' | ');
  if (s.prefixItems) return `[${s.prefixItems.map(typeText).join(', ')}]`;
  if (s.type === 'array') return `${s.items ? bracket(typeText(s.items)) : 'unknown'}[]`;
  if (s.type === 'integer' || s.type === 'number') {
    const bounds: string[] = [];
    if (s.minimum !== undefined) bounds.push(`≥ ${s.minimum}`);
    if (s.exclusiveMinimum !== undefined) bounds.push(`> ${s.exclusiveMinimum}`);
    if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) bounds.push(`≤ ${s.maximum}`);
    if (s.exclusiveMaximum !== undefined) bounds.push(`< ${s.exclusiveMaximum}`);
    return [s.type, ...bounds].join(' ');
  }
  if (Array.isArray(s.type)) return s.type.join(' | ');
  return s.type ?? 'unknown';
}

function bracket(t: string): string {
  return t.includes(' ') ? `(${t})` : t;
}
