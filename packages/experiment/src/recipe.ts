import { PruneError, parseStep } from '@prunekit/core';
import { isMap, isSeq, parseDocument } from 'yaml';
import { z } from 'zod';

const STEP_HINT = 'expected a training length ≥ 0 like "150ep" or "500it" (a bare number counts epochs)';
const stepString = z
  .union([z.string(), z.number()], { error: STEP_HINT })
  .refine(
    (v) => {
      if (typeof v === 'number') return Number.isFinite(v) && v >= 0;
      try {
        parseStep(v);
        return true;
      } catch {
        return false;
      }
    },
    { message: STEP_HINT },
  )
  .transform((v) => (typeof v === 'number' ? `${v}ep` : v.trim()));

/** A number strictly between 0 and 1, with a message that says so. */
const openUnit = (what: string) =>
  z
    .number({ error: `expected a number between 0 and 1 (exclusive): ${what}` })
    .gt(0, `must be between 0 and 1 (exclusive): ${what}`)
    .lt(1, `must be between 0 and 1 (exclusive): ${what}`);
const wholeNumber = (min: number, what = '') =>
  z.number().int(`must be a whole number ≥ ${min}${what}`).min(min, `must be a whole number ≥ ${min}${what}`);
const positive = (what: string) => z.number().positive(`must be > 0 (${what})`);

const pluginRef = z
  .object({
    name: z
      .string({ error: 'expected the registered name of a plugin (`prunekit list` shows them)' })
      .min(1, 'expected the registered name of a plugin (`prunekit list` shows them)'),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** The recipe schema (zod). `Recipe` is its output type; every field has a default but `model` and `dataset`. */
export const recipeSchema = z
  .object({
    /** Free label used in the run id and reports. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1–64 letters, digits, dot, dash or underscore')
      .optional(),
    /** One seed for everything, or separate seeds. */
    seed: wholeNumber(0).default(0),
    seeds: z
      .object({
        init: wholeNumber(0).optional(),
        data: wholeNumber(0).optional(),
        masks: wholeNumber(0).optional(),
      })
      .strict()
      .default({}),
    model: pluginRef,
    dataset: pluginRef,
    training: z
      .object({
        optimizer: z
          .discriminatedUnion(
            'kind',
            [
              z
                .object({
                  kind: z.literal('sgd').default('sgd'),
                  momentum: z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').default(0.9),
                  weightDecay: z.number().min(0, 'must be ≥ 0').default(1e-4),
                  nesterov: z.boolean().default(false),
                })
                .strict(),
              z
                .object({
                  kind: z.literal('adam'),
                  beta1: z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').default(0.9),
                  beta2: z.number().min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').default(0.999),
                  epsilon: positive('Adam epsilon').default(1e-8),
                  weightDecay: z.number().min(0, 'must be ≥ 0').default(0),
                })
                .strict(),
            ],
            { error: "expected optimizer kind 'sgd' (the default when kind is left out) or 'adam'" },
          )
          .default({ kind: 'sgd', momentum: 0.9, weightDecay: 1e-4, nesterov: false }),
        batchSize: wholeNumber(1).default(128),
        /** Training length of every round (the paper: 150 epochs on CIFAR). */
        epochs: stepString.default('2ep'),
        schedule: z
          .discriminatedUnion(
            'kind',
            [
              z
                .object({
                  kind: z.literal('cosine').default('cosine'),
                  lr: positive('the learning rate').default(0.1),
                  min: z.number().min(0, 'must be ≥ 0').default(0.01),
                })
                .strict(),
              z.object({ kind: z.literal('constant'), lr: positive('the learning rate') }).strict(),
              z
                .object({
                  kind: z.literal('step'),
                  lr: positive('the learning rate'),
                  milestones: z.array(openUnit('fractions of the round')).default([0.5, 0.75]),
                  factor: positive('the LR factor at each milestone').default(0.1),
                })
                .strict(),
            ],
            {
              error:
                "expected schedule kind 'cosine' (the default when kind is left out), 'constant' or 'step'",
            },
          )
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
        rounds: wholeNumber(0, ' and ≤ 1000').max(1000, 'must be a whole number from 0 to 1000').default(5),
        /** Fraction of the surviving weights pruned per round (the paper: 0.2). */
        fraction: openUnit('the fraction of surviving weights pruned per round, e.g. 0.2').default(0.2),
        /** Instead of a fraction: the density reached after the last round (geometric per round). */
        density: openUnit('the density after the last round, e.g. 0.05').optional(),
        strategy: pluginRef.default({ name: 'magnitude-global', options: {} }),
      })
      .strict()
      .prefault({}),
    rewind: z
      .object({
        policy: pluginRef.default({ name: 'lr-rewind', options: {} }),
        /** Where the rewind anchor θ_k is taken: "warmup" (end of warm-up, the paper's IMP) or a step of round 0. */
        anchor: z
          .union([z.literal('warmup'), stepString], {
            error: `expected "warmup" or a step of round 0 like "500it" or "1ep"`,
          })
          .default('warmup'),
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
        perturb: z
          .object({
            every: stepString.default('30ep'),
            probability: openUnit('the probability of flipping each sign').default(0.3),
          })
          .strict()
          .optional(),
        /** Fixed-sign training: after every step w ← |w| ⊙ s, with s the signs of this source. */
        fixed: z
          .object({ from: z.enum(['init', 'anchor']) })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    evaluation: z
      .object({
        /** Evaluate after every epoch too (default: after every round). */
        everyEpoch: z.boolean().default(false),
        batchSize: wholeNumber(1).default(512),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** A resolved (validated, defaults filled) recipe. */
export type Recipe = z.output<typeof recipeSchema>;
/** A recipe as a user writes it. */
export type RecipeInput = z.input<typeof recipeSchema>;

/**
 * Effective seeds: the separate seeds fall back to `seed`.
 *
 * @example
 * ```ts
 * seedsOf(resolveRecipe({ ...r, seed: 7, seeds: { data: 3 } })); // { init: 7, data: 3, masks: 7 }
 * ```
 */
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
  const parsed = recipeSchema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const path = i.path.length ? i.path.map(String).join('.') : '(top level)';
    return `${path}: ${describeIssue(i, recipeSchema, input)}`;
  });
  throw new PruneError('E_RECIPE', `${source} is invalid: ${lines.join('; ')}`, {
    hint: 'fix the named fields (`prunekit describe recipe` lists every field and its default)',
    where: source,
  });
}

/**
 * One readable line for a zod issue: unknown fields with the known ones (and the closest),
 * missing required fields, and the value that was given.
 */
function describeIssue(i: z.core.$ZodIssue, schema: z.ZodType, input: unknown): string {
  if (i.code === 'unrecognized_keys') {
    const known = fieldsAt(schema, i.path, input);
    const hint = known.length
      ? `; known: ${known.join(', ')}${i.keys.length === 1 && closest(i.keys[0]!, known) ? ` (did you mean '${closest(i.keys[0]!, known)}'?)` : ''}`
      : '';
    return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}${hint}`;
  }
  const given = (i as { input?: unknown }).input;
  if (i.code === 'invalid_type' && given === undefined) {
    const isPlugin = i.path.length === 1 && (i.path[0] === 'model' || i.path[0] === 'dataset');
    return isPlugin
      ? `required: { name: '<a registered ${String(i.path[0])}>', options: { … } }`
      : `required (${i.expected})`;
  }
  if (i.code === 'invalid_type' && i.message.startsWith('Invalid input')) {
    // zod's own wording ("Invalid input: expected number, received string") → what to write instead.
    return `expected ${EXPECTED[i.expected] ?? i.expected}, got ${shown(given)}`;
  }
  if (given === undefined || typeof given === 'object') return i.message;
  return `${i.message}, got ${shown(given)}`;
}

const EXPECTED: Record<string, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping (field: value)',
  array: 'a list ([a, b])',
};

/** A given value for a message: JSON, shortened; lists and mappings by kind. */
function shown(given: unknown): string {
  if (Array.isArray(given)) return 'a list';
  if (given !== null && typeof given === 'object') return 'a mapping';
  const text = JSON.stringify(given) ?? String(given);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/** The field names of the object schema at `path` (through defaults, optionals, pipes and unions). */
function fieldsAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] {
  let node: unknown = schema;
  let value: unknown = input;
  const unwrap = (n: unknown): unknown => {
    for (let k = 0; k < 20; k++) {
      const def = (n as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
      if (!def) return n;
      if (def.innerType) n = def.innerType;
      else if (def.type === 'pipe') n = def.in;
      else if (def.type === 'union') {
        const options = (def.options as unknown[]).map(unwrap);
        const kind = (value as { kind?: unknown } | undefined)?.kind;
        const match = options.find((o) => {
          const shape = (o as { shape?: Record<string, { _zod?: { def?: { values?: unknown[] } } }> }).shape;
          return shape?.kind?._zod?.def?.values?.includes(kind);
        });
        n = match ?? options.find((o) => (o as { shape?: unknown }).shape) ?? n;
        return n;
      } else return n;
    }
    return n;
  };
  for (const key of path) {
    node = unwrap(node);
    const shape = (node as { shape?: Record<string, unknown> }).shape;
    if (!shape) return [];
    node = shape[String(key)];
    value = (value as Record<string, unknown> | undefined)?.[String(key)];
  }
  const shape = (unwrap(node) as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** The known name within edit distance 2 (or sharing a 4-letter prefix) of `name`. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best ?? known.find((k) => name.length >= 4 && k.startsWith(name.slice(0, 4)));
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
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

/**
 * Parse YAML/JSON text into a plain object, with line/column on syntax errors.
 *
 * @example
 * ```ts
 * parseYamlObject('pruning: { rounds: 3 }', 'x.yaml'); // { pruning: { rounds: 3 } }
 * ```
 */
export function parseYamlObject(text: string, source: string): Record<string, unknown> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new PruneError(
      'E_RECIPE',
      `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML syntax error: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
      {
        hint: 'fix the syntax at that line and column',
        where: source,
      },
    );
  }
  if (!isMap(doc.contents) || isSeq(doc.contents)) {
    throw new PruneError(
      'E_RECIPE',
      `${source}: a recipe must be a mapping of fields (like "model: …"), not ${doc.contents ? 'a list or a value' : 'empty'}`,
      {
        where: source,
      },
    );
  }
  return doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
}

/**
 * Apply `--set key=value` overrides by dotted path (values parsed as YAML: numbers, booleans,
 * strings, `[a, b]` lists, `{ k: v }` maps). A number in the path indexes a list
 * (`rewind.modifiers.0.options.from=anchor`). Returns a new object.
 *
 * @example
 * ```ts
 * applyOverrides(raw, ['pruning.rounds=3', 'training.schedule.lr=0.05']);
 * ```
 */
export function applyOverrides(
  raw: Record<string, unknown>,
  sets: readonly string[],
): Record<string, unknown> {
  const out = structuredClone(raw);
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0)
      throw new PruneError('E_USAGE', `--set '${s}': expected key=value, e.g. --set pruning.rounds=3`);
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
    for (const [depth, key] of path.entries()) {
      if (Array.isArray(node) && !(/^\d+$/.test(key) && Number(key) <= node.length)) {
        throw new PruneError(
          'E_USAGE',
          `--set '${s}': ${path.slice(0, depth).join('.')} is a list of ${node.length}; use an index 0…${node.length}`,
          {
            hint: `e.g. --set ${[...path.slice(0, depth), '0', ...path.slice(depth + 1)].join('.')}=…`,
          },
        );
      }
      if (depth === path.length - 1) break;
      const next = node[key];
      if (typeof next !== 'object' || next === null) node[key] = {};
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
