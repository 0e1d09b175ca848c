import { type Plugin, PruneError, Registry } from '@prunekit/core';
import { createDatasetRegistry } from '@prunekit/datasets';
import { type Preset, createPresetRegistry } from '@prunekit/experiment';
import { createMaskRegistry } from '@prunekit/masks';
import { type ModelFactory, createModelRegistry } from '@prunekit/models';
import { createModifierRegistry, createRewindRegistry } from '@prunekit/rewinding';
import { createSignMetricRegistry } from '@prunekit/signs';

/** A section of `prunekit list`: one registry. */
export interface CatalogSection {
  /** The `list` argument it answers to. */
  readonly kind: 'masks' | 'rewinding' | 'signs' | 'models' | 'datasets' | 'presets';
  /** What one item is, e.g. `mask strategy`. */
  readonly what: string;
  /** Recipe field that names it (`pruning.strategy`), if any. */
  readonly field?: string;
  readonly items: readonly (Plugin | Preset)[];
}

/** The `list` kinds and their accepted spellings. */
export const LIST_KINDS: Readonly<Record<string, CatalogSection['kind']>> = {
  masks: 'masks',
  mask: 'masks',
  'mask-strategies': 'masks',
  strategies: 'masks',
  rewinding: 'rewinding',
  rewind: 'rewinding',
  policies: 'rewinding',
  modifiers: 'rewinding',
  signs: 'signs',
  'sign-metrics': 'signs',
  models: 'models',
  model: 'models',
  datasets: 'datasets',
  dataset: 'datasets',
  data: 'datasets',
  presets: 'presets',
  preset: 'presets',
};

/** Every registry of the built-ins, in `list` order. */
export function catalog(): CatalogSection[] {
  return [
    { kind: 'presets', what: 'preset', items: createPresetRegistry().list() },
    {
      kind: 'masks',
      what: 'mask strategy',
      field: 'pruning.strategy',
      items: createMaskRegistry().list() as Plugin[],
    },
    {
      kind: 'rewinding',
      what: 'rewind policy',
      field: 'rewind.policy',
      items: createRewindRegistry().list() as Plugin[],
    },
    {
      kind: 'rewinding',
      what: 'rewind modifier',
      field: 'rewind.modifiers[]',
      items: createModifierRegistry().list() as Plugin[],
    },
    { kind: 'signs', what: 'sign metric', items: createSignMetricRegistry().list() as Plugin[] },
    { kind: 'models', what: 'model', field: 'model', items: createModelRegistry().list() as Plugin[] },
    {
      kind: 'datasets',
      what: 'dataset',
      field: 'dataset',
      items: createDatasetRegistry().list() as Plugin[],
    },
  ];
}

/** Parse a `list` argument; unknown kinds are usage errors listing the known ones. */
export function listKind(arg: string): CatalogSection['kind'] {
  const k = LIST_KINDS[arg.toLowerCase()];
  if (k) return k;
  throw new PruneError(
    'E_USAGE',
    `unknown kind '${arg}'; known: masks, rewinding, signs, models, datasets, presets`,
    {
      hint: 'or run `prunekit list` for everything',
    },
  );
}

/** One hit of {@link findNamed}. */
export interface Found {
  readonly section: CatalogSection;
  readonly item: Plugin | Preset;
}

/**
 * Every item called `name` in any registry (a name may be both a preset and a policy, e.g.
 * `fine-tune`). None: `E_UNKNOWN_NAME` listing every known name and the closest.
 */
export function findNamed(name: string): Found[] {
  const sections = catalog();
  const hits = sections.flatMap((section) =>
    section.items.filter((i) => i.name === name).map((item) => ({ section, item })),
  );
  if (hits.length) return hits;
  const names = [...new Set(['recipe', ...sections.flatMap((s) => s.items.map((i) => i.name))])];
  try {
    new Registry(
      'name',
      names.map((n) => ({ name: n })),
    ).get(name);
  } catch (e) {
    throw rehint(e, 'run `prunekit list` to see every model, dataset, strategy, policy and preset');
  }
  return [];
}

/** The same PruneError with another hint (registries' default hint is for library users). */
export function rehint(e: unknown, hint: string): unknown {
  if (!(e instanceof PruneError)) return e;
  const bare =
    e.hint && e.message.endsWith(e.hint)
      ? e.message.slice(0, e.message.length - e.hint.length).replace(/\.\s*$/, '')
      : e.message;
  return new PruneError(e.code, bare, { cause: e, hint, ...(e.where ? { where: e.where } : {}) });
}

/** Whether an item is a plugin (has an options schema), as opposed to a preset. */
export function isPlugin(item: Plugin | Preset): item is Plugin {
  return 'schema' in item && 'defaults' in item;
}

/** A plugin as a model factory for `describeModel` (which reads only the `Plugin` fields). */
export function asFactory(p: Plugin): ModelFactory {
  return p as unknown as ModelFactory;
}
