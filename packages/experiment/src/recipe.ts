import { PruneError, parseStep } from '@prunekit/core';
import { isMap, isSeq, parseDocument } from 'yaml';
import { z } from 'zod';

const stepString = z
  .union([z.string(), z.number().nonnegative()])
  .refine(
    (v) => {
      try {
        parseStep(v);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'expected a training length like "150ep" or "500it"' },
  )
  .transform((v) => (typeof v === 'number' ? `${v}ep` : v.trim()));

const pluginRef = z
  .object({
    name: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** The recipe schema (zod). `Recipe` is its output type; every field has a default but `model` and `dataset`. */
export const recipeSchema = z
  .object({
    /** Free label used in the run id and reports. */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1–64 letters, digits, dot, dash or underscore').optional(),
    /** One seed for everything, or separate seeds. */
    seed: z.number().int().nonnegative().default(0),
    seeds: z
      .object({
        init: z.number().int().nonnegative().optional(),
        data: z.number().int().nonnegative().optional(),
        masks: z.number().int().nonnegative().optional(),
      })
      .strict()
      .default({}),
    model: pluginRef,
    dataset: pluginRef,
    training: z
      .object({
        optimizer: z
          .discriminatedUnion('kind', [
            z
              .object({
                kind: z.literal('sgd'),
                momentum: z.number().min(0).lt(1).default(0.9),
                weightDecay: z.number().min(0).default(1e-4),
                nesterov: z.boolean().default(false),
              })
              .strict(),
            z
              .object({
                kind: z.literal('adam'),
                beta1: z.number().min(0).lt(1).default(0.9),
                beta2: z.number().min(0).lt(1).default(0.999),
                epsilon: z.number().positive().default(1e-8),
                weightDecay: z.number().min(0).default(0),
              })
              .strict(),
          ])
          .default({ kind: 'sgd', momentum: 0.9, weightDecay: 1e-4, nesterov: false }),
        batchSize: z.number().int().positive().default(128),
        /** Training length of every round (the paper: 150 epochs on CIFAR). */
        epochs: stepString.default('2ep'),
        schedule: z
          .discriminatedUnion('kind', [
            z.object({ kind: z.literal('cosine'), lr: z.number().positive(), min: z.number().min(0).default(0.01) }).strict(),
            z.object({ kind: z.literal('constant'), lr: z.number().positive() }).strict(),
            z
              .object({
                kind: z.literal('step'),
                lr: z.number().positive(),
                milestones: z.array(z.number().gt(0).lt(1)).default([0.5, 0.75]),
                factor: z.number().gt(0).default(0.1),
              })
              .strict(),
          ])
          .default({ kind: 'cosine', lr: 0.1, min: 0.01 }),
        /** Dense warm-up before round 0's training: linear ramp 0 → lr. "0it" for none. */
        warmup: stepString.default('0it'),
        augment: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    pruning: z
      .object({
        /** Pruning rounds L (the dense round 0 comes first; the last mask is trained in round L). */
        rounds: z.number().int().min(0).max(1000).default(5),
        /** Fraction of the surviving weights pruned per round (the paper: 0.2). */
        fraction: z.number().gt(0).lt(1).default(0.2),
        /** Instead of a fraction: the density reached after the last round (geometric per round). */
        density: z.number().gt(0).lt(1).optional(),
        strategy: pluginRef.default({ name: 'magnitude-global', options: {} }),
      })
      .strict()
      .prefault({}),
    rewind: z
      .object({
        policy: pluginRef.default({ name: 'lr-rewind', options: {} }),
        /** Where the rewind anchor θ_k is taken: "warmup" (end of warm-up, the paper's IMP) or a step of round 0. */
        anchor: z.union([z.literal('warmup'), stepString]).default('warmup'),
        modifiers: z.array(pluginRef).default([]),
      })
      .strict()
      .prefault({}),
    signs: z
      .object({
        /** Per-epoch sign-switch tracking inside each round. */
        track: z.boolean().default(true),
        /** Compare each round's signs with another run's (a run directory). */
        reference: z.string().optional(),
        /** Sign perturbation: flip each surviving weight's sign with `probability` every `every`. */
        perturb: z.object({ every: stepString.default('30ep'), probability: z.number().gt(0).lt(1).default(0.3) }).strict().optional(),
        /** Fixed-sign training: after every step w ← |w| ⊙ s, with s the signs of this source. */
        fixed: z.object({ from: z.enum(['init', 'anchor']) }).strict().optional(),
      })
      .strict()
      .prefault({}),
    evaluation: z
      .object({
        /** Evaluate after every epoch too (default: after every round). */
        everyEpoch: z.boolean().default(false),
        batchSize: z.number().int().positive().default(512),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** A resolved (validated, defaults filled) recipe. */
export type Recipe = z.output<typeof recipeSchema>;
/** A recipe as a user writes it. */
export type RecipeInput = z.input<typeof recipeSchema>;

/** Effective seeds: the separate seeds fall back to `seed`. */
export function seedsOf(r: Recipe): { init: number; data: number; masks: number } {
  return { init: r.seeds.init ?? r.seed, data: r.seeds.data ?? r.seed, masks: r.seeds.masks ?? r.seed };
}

/**
 * Validate a recipe object and fill in the defaults. Errors name every bad field path, what was
 * wrong and the allowed values, in one `E_RECIPE` error.
 *
 * @example
 * ```ts
 * const r = resolveRecipe({ model: { name: 'lenet-300-100' }, dataset: { name: 'fashion-mnist' } });
 * ```
 */
export function resolveRecipe(input: unknown, source = 'recipe'): Recipe {
  const parsed = recipeSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const path = i.path.length ? i.path.map(String).join('.') : '(top level)';
    let msg = i.message;
    if (i.code === 'unrecognized_keys') msg = `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}`;
    return `${path}: ${msg}`;
  });
  throw new PruneError('E_RECIPE', `${source} is invalid: ${lines.join('; ')}`, {
    hint: 'fix the named fields (`prunekit describe recipe` lists every field and its default)',
    where: source,
  });
}

/**
 * Parse recipe text (YAML or JSON). Syntax errors give the line and column; then the recipe is
 * validated with {@link resolveRecipe}. Nothing in the file is executed.
 *
 * @example
 * ```ts
 * const r = parseRecipe(readFileSync('lrr.yaml', 'utf8'), 'lrr.yaml');
 * ```
 */
export function parseRecipe(text: string, source = 'recipe'): Recipe {
  return resolveRecipe(parseYamlObject(text, source), source);
}

/** Parse YAML/JSON text into a plain object, with line/column on syntax errors. */
export function parseYamlObject(text: string, source: string): Record<string, unknown> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new PruneError('E_RECIPE', `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML syntax error: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`, {
      hint: 'fix the syntax at that line and column',
      where: source,
    });
  }
  if (!isMap(doc.contents) || isSeq(doc.contents)) {
    throw new PruneError('E_RECIPE', `${source}: a recipe must be a mapping of fields (like "model: …"), not ${doc.contents ? 'a list or a value' : 'empty'}`, {
      where: source,
    });
  }
  return doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
}

/**
 * Apply `--set key=value` overrides by dotted path (values parsed as YAML scalars: numbers,
 * booleans, strings, `[a, b]` lists). Returns a new object.
 *
 * @example
 * ```ts
 * applyOverrides(raw, ['pruning.rounds=3', 'training.schedule.lr=0.05']);
 * ```
 */
export function applyOverrides(raw: Record<string, unknown>, sets: readonly string[]): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new PruneError('E_USAGE', `--set '${s}': expected key=value, e.g. --set pruning.rounds=3`);
    const path = s.slice(0, eq).trim().split('.');
    if (path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      throw new PruneError('E_USAGE', `--set '${s}': bad key path`);
    }
    const text = s.slice(eq + 1);
    let value: unknown;
    try {
      value = parseDocument(text).toJS();
    } catch {
      value = text;
    }
    let node = out as Record<string, unknown>;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = value ?? null;
  }
  return out;
}

/**
 * The recipe's JSON Schema (for editors: `# yaml-language-server: $schema=recipe.schema.json`).
 *
 * @example
 * ```ts
 * writeFileSync('recipe.schema.json', JSON.stringify(recipeJsonSchema(), null, 2));
 * ```
 */
export function recipeJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(recipeSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
