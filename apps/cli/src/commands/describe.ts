import { type Plugin, PruneError, writeFileAtomic } from '@prunekit/core';
import { type Preset, presetRecipe, recipeJsonSchema, resolveRecipe } from '@prunekit/experiment';
import { describeModel } from '@prunekit/models';
import { stringify } from 'yaml';
import { type Command, flag, str } from '../args.js';
import { type Found, asFactory, findNamed, isPlugin } from '../catalog.js';
import { table } from '../format.js';

export const describeCommand: Command = {
  name: 'describe',
  args: '<name | recipe>',
  summary: 'options with defaults, description and paper reference of a plugin, model, dataset or preset',
  details: [
    '`prunekit describe recipe` lists every recipe field with its type and default;',
    '`prunekit describe recipe --json-schema` prints the recipe JSON Schema (--out writes it to a file,',
    'for editors: `# yaml-language-server: $schema=recipe.schema.json`).',
  ],
  options: {
    'json-schema': {
      type: 'boolean',
      description: 'with `recipe`: the recipe JSON Schema instead of the field list',
    },
    out: { type: 'string', value: 'file', description: 'with --json-schema: write the schema to this file' },
  },
  examples: [
    'prunekit describe magnitude-global',
    'prunekit describe recipe',
    'prunekit describe recipe --json-schema --out recipe.schema.json',
  ],
  positionals: [1, 1],
  async run(p, ctx) {
    const name = p.positionals[0]!;
    if (flag(p, 'json-schema') || str(p, 'out') !== undefined) {
      if (name !== 'recipe')
        throw new PruneError('E_USAGE', `--json-schema and --out go with 'recipe', not '${name}'`, {
          hint: 'prunekit describe recipe --json-schema',
        });
      if (!flag(p, 'json-schema'))
        throw new PruneError('E_USAGE', '--out needs --json-schema', {
          hint: 'prunekit describe recipe --json-schema --out recipe.schema.json',
        });
      const schema = recipeJsonSchema();
      const out = str(p, 'out');
      if (out) {
        writeFileAtomic(out, `${JSON.stringify(schema, null, 2)}\n`);
        ctx.result(`wrote ${out}`, { file: out });
      } else {
        ctx.io.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
      }
      return 0;
    }
    if (name === 'recipe') {
      const fields = recipeFields();
      ctx.result(
        [
          'Recipe fields (YAML or JSON; `model` and `dataset` are required, everything else has a default):',
          '',
          table(
            ['field', 'type', 'default'],
            fields.map((f) => [f.path, f.type, f.default]),
          ),
          '',
          'Plugin fields take { name, options }: `prunekit list` shows the names, `prunekit describe <name>` the options.',
          'Training lengths are "<n>ep" (epochs) or "<n>it" (iterations).',
        ].join('\n'),
        { fields },
      );
      return 0;
    }
    const hits = findNamed(name);
    ctx.result(hits.map(describeText).join('\n\n'), { items: hits.map(describeData) });
    return 0;
  },
};

function describeText({ section, item }: Found): string {
  const lines = [`${item.name} — ${section.what}`, `  ${item.description}`];
  if (item.reference) lines.push(`  reference: ${item.reference}`);
  if (isPlugin(item)) {
    const d = describeModel(asFactory(item));
    if (d.options.length) {
      lines.push('', `options${section.field ? ` (recipe: ${section.field}.options)` : ''}:`);
      lines.push(
        ...table(
          ['option', 'type', 'default', 'description'],
          d.options.map((o) => [
            o.name,
            o.type,
            o.required ? '(required)' : o.default === undefined ? '–' : JSON.stringify(o.default),
            o.description ?? '',
          ]),
        )
          .split('\n')
          .map((l) => `  ${l}`),
      );
    } else {
      lines.push('', 'options: none');
    }
    const snippet = pluginSnippet(section.field, item);
    if (snippet) lines.push('', 'in a recipe:', ...snippet.map((l) => `  ${l}`));
  } else {
    const preset = item as Preset;
    if (preset.requires?.length)
      lines.push(`  needs: --set ${preset.requires.map((r) => `${r}=<run directory>`).join(' --set ')}`);
    lines.push('', 'recipe (the short base with this preset merged in; change any field with --set):');
    lines.push(
      ...stringify(presetRecipe(preset))
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    );
    lines.push(
      '',
      `run it: prunekit run ${preset.name}${preset.requires?.length ? ` --set ${preset.requires[0]}=runs/<run-id>` : ''}`,
    );
  }
  return lines.join('\n');
}

function pluginSnippet(field: string | undefined, item: Plugin): string[] | undefined {
  if (!field) return undefined;
  const ref = { name: item.name, options: item.defaults };
  const obj =
    field === 'rewind.modifiers[]'
      ? { rewind: { modifiers: [ref] } }
      : field.split('.').reduceRight<unknown>((acc, k) => ({ [k]: acc }), ref);
  return stringify(obj).trimEnd().split('\n');
}

function describeData({ section, item }: Found): Record<string, unknown> {
  const base = {
    name: item.name,
    kind: section.what,
    description: item.description,
    ...(item.reference ? { reference: item.reference } : {}),
  };
  if (isPlugin(item))
    return {
      ...base,
      ...(section.field ? { field: section.field } : {}),
      defaults: item.defaults,
      options: describeModel(asFactory(item)).options,
    };
  const preset = item as Preset;
  return { ...base, requires: preset.requires ?? [], recipe: presetRecipe(preset) };
}

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  additionalProperties?: unknown;
  default?: unknown;
  required?: string[];
}

/** One row of `describe recipe`. */
export interface RecipeField {
  readonly path: string;
  readonly type: string;
  readonly default: string;
}

/** Every recipe field with a readable type (from the JSON Schema) and its default (from a resolved minimal recipe). */
export function recipeFields(): RecipeField[] {
  const schema = recipeJsonSchema() as JsonSchema;
  const defaults = resolveRecipe({
    model: { name: 'mlp' },
    dataset: { name: 'gaussian-mixture' },
  }) as unknown as Record<string, unknown>;
  const out: RecipeField[] = [];
  const get = (path: string[]) =>
    path.reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      defaults,
    );
  const walk = (s: JsonSchema, path: string[]) => {
    const isPluginRef = s.properties?.name && s.properties.options && Object.keys(s.properties).length === 2;
    if (s.properties && !isPluginRef) {
      for (const [k, child] of Object.entries(s.properties)) walk(child, [...path, k]);
      return;
    }
    const p = path.join('.');
    const required = path.length === 1 && (p === 'model' || p === 'dataset');
    const d = get(path) ?? s.default;
    if (s.oneOf) {
      // A discriminated union (optimizer, schedule): the kind, then each kind's fields.
      const kinds = s.oneOf.map((v) => String(v.properties?.kind?.const));
      const dk = (d as { kind?: string } | undefined)?.kind;
      out.push({
        path: `${p}.kind`,
        type: kinds.map((k) => `'${k}'`).join(' | '),
        default: dk === undefined ? '–' : JSON.stringify(dk),
      });
      for (const v of s.oneOf) {
        const kind = String(v.properties?.kind?.const);
        for (const [k, f] of Object.entries(v.properties ?? {})) {
          if (k === 'kind') continue;
          const fd = dk === kind ? ((d as Record<string, unknown>)[k] ?? f.default) : f.default;
          out.push({
            path: `${p}.${k}`,
            type: `${typeText(f)} (kind ${kind})`,
            default: fd === undefined ? (v.required?.includes(k) ? '(required)' : '–') : JSON.stringify(fd),
          });
        }
      }
      return;
    }
    const type = isPluginRef
      ? '{ name, options }'
      : p === 'training.epochs' ||
          p === 'training.warmup' ||
          p === 'rewind.anchor' ||
          p === 'signs.perturb.every'
        ? p === 'rewind.anchor'
          ? "'warmup' | training length"
          : 'training length'
        : typeText(s);
    out.push({ path: p, type, default: required ? '(required)' : d === undefined ? '–' : JSON.stringify(d) });
  };
  walk(schema, []);
  return out;
}

function typeText(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `'${String(v)}'`).join(' | ');
  if (s.const !== undefined) return `'${String(s.const)}'`;
  if (s.anyOf) return s.anyOf.map(typeText).join(' | ');
  if (s.oneOf) return s.oneOf.map(typeText).join(' | ');
  if (s.type === 'array') return `${s.items ? typeText(s.items) : 'any'}[]`;
  if (s.type === 'object') return s.properties ? `{ ${Object.keys(s.properties).join(', ')} }` : 'object';
  if (s.type === 'integer' || s.type === 'number') {
    const b: string[] = [];
    if (s.minimum !== undefined) b.push(`≥ ${s.minimum}`);
    if (s.exclusiveMinimum !== undefined) b.push(`> ${s.exclusiveMinimum}`);
    if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) b.push(`≤ ${s.maximum}`);
    if (s.exclusiveMaximum !== undefined) b.push(`< ${s.exclusiveMaximum}`);
    return [s.type, ...b].join(' ');
  }
  if (Array.isArray(s.type)) return s.type.join(' | ');
  return s.type ?? 'any';
}
