import {
  isPruneError,
  PruneError,
  type Registry,
  resolveOptions,
  type RewindContext,
  type RewindModifier,
  type RewindPolicy,
  type RewindResult,
  z,
} from '@prunekit/core';
import { applyRewind } from './apply.js';
import { createModifierRegistry, createRewindRegistry } from './registry.js';

/** A modifier in a {@link RewindPlan}: its registry name, or the name with options. */
export type RewindPlanModifier =
  | string
  | { readonly name: string; readonly options?: Readonly<Record<string, unknown>> | undefined };

/**
 * What a recipe writes for "what is reset after pruning": a policy by registry name with its
 * options, and modifiers applied after it, in order.
 *
 * @example
 * ```ts
 * const plan: RewindPlan = { policy: 'weight-rewind', options: { at: '1ep' }, modifiers: [{ name: 'with-signs', options: { from: 'trained' } }] };
 * ```
 */
export type RewindPlan = {
  readonly policy: string;
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  readonly modifiers?: readonly RewindPlanModifier[] | undefined;
};

const optionsRecord = z.record(z.string(), z.unknown());

/**
 * The zod schema of a {@link RewindPlan}'s shape (names and options are checked against the
 * registries by {@link composeRewind}). For recipe schemas that embed a rewind plan.
 *
 * @example
 * ```ts
 * rewindPlanSchema.parse({ policy: 'lr-rewind' });
 * ```
 */
export const rewindPlanSchema = z.strictObject({
  policy: z.string().min(1),
  options: optionsRecord.optional(),
  modifiers: z
    .array(
      z.union([
        z.string().min(1),
        z.strictObject({ name: z.string().min(1), options: optionsRecord.optional() }),
      ]),
    )
    .optional(),
});

/** A {@link RewindPlan} resolved through the registries, ready to run. */
export interface ComposedRewind {
  /** The policy. */
  readonly policy: RewindPolicy;
  /** Its options, merged over its defaults and validated. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The modifiers in order, each with validated options. */
  readonly modifiers: readonly {
    readonly modifier: RewindModifier;
    readonly options: Readonly<Record<string, unknown>>;
  }[];
  /** The plan with defaults filled in (modifiers written as `{ name, options }`). */
  readonly plan: RewindPlan;
  /** One line, e.g. `weight-rewind {"at":"1ep","replayFrom":"start"} → with-signs {"from":"trained","params":"prunable"}`. */
  readonly description: string;
  /** Run the policy, the modifiers, and the mask (see `applyRewind`). Fresh buffers, owned by the caller. */
  apply(ctx: RewindContext): Promise<RewindResult>;
}

/** Registries to resolve a plan through (default: fresh registries of the built-ins). */
export interface ComposeRewindOptions {
  readonly policies?: Registry<RewindPolicy>;
  readonly modifiers?: Registry<RewindModifier>;
  /** Field path of the plan in the recipe, for messages (default `'rewind'`). */
  readonly path?: string;
}

/**
 * Resolve a rewind plan through the registries: check its shape, look up the policy and every
 * modifier by name, and validate every options object. Errors (`E_RECIPE`, `E_UNKNOWN_NAME`) name
 * the field path, e.g. `rewind.modifiers[0].options.from: …` or `rewind.policy: unknown rewind
 * policy 'weight-rewnd' (did you mean 'weight-rewind'?)`.
 *
 * @example
 * ```ts
 * const rewind = composeRewind({ policy: 'weight-rewind', options: { at: '1ep' },
 *   modifiers: [{ name: 'with-signs', options: { from: 'trained' } }] });
 * const next = await rewind.apply(ctx);
 * ```
 */
export function composeRewind(
  plan: RewindPlan | unknown,
  options: ComposeRewindOptions = {},
): ComposedRewind {
  const path = options.path ?? 'rewind';
  const parsed = rewindPlanSchema.safeParse(plan);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${fieldPath(path, i.path)}: ${i.message}`);
    throw new PruneError('E_RECIPE', `rewind plan: ${issues.join('; ')}`, {
      hint: `write e.g. { policy: 'weight-rewind', options: { at: '1ep' }, modifiers: [{ name: 'with-signs', options: { from: 'trained' } }] }`,
      where: path,
    });
  }
  const policies = options.policies ?? createRewindRegistry();
  const modifierRegistry = options.modifiers ?? createModifierRegistry();
  const p = parsed.data;
  const policy = lookup(() => policies.get(p.policy), `${path}.policy`);
  const policyOptions = resolveOptions(policy, p.options, `${path}.options`) as Record<string, unknown>;
  const modifiers = (p.modifiers ?? []).map((m, i) => {
    const name = typeof m === 'string' ? m : m.name;
    const raw = typeof m === 'string' ? undefined : m.options;
    const at = `${path}.modifiers[${i}]`;
    const modifier = lookup(() => modifierRegistry.get(name), typeof m === 'string' ? at : `${at}.name`);
    return { modifier, options: resolveOptions(modifier, raw, `${at}.options`) as Record<string, unknown> };
  });
  const normalized: RewindPlan = {
    policy: policy.name,
    options: policyOptions,
    modifiers: modifiers.map((m) => ({ name: m.modifier.name, options: m.options })),
  };
  const description = [policy, ...modifiers.map((m) => m.modifier)]
    .map(
      (plugin, i) => `${plugin.name} ${JSON.stringify(i === 0 ? policyOptions : modifiers[i - 1]!.options)}`,
    )
    .join(' → ');
  return {
    policy,
    options: policyOptions,
    modifiers,
    plan: normalized,
    description,
    apply: (ctx) => applyRewind(policy, policyOptions, modifiers, ctx),
  };
}

function lookup<T>(get: () => T, where: string): T {
  try {
    return get();
  } catch (e) {
    if (isPruneError(e)) throw new PruneError(e.code, `${where}: ${e.message}`, { cause: e, where });
    throw e;
  }
}

function fieldPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : `.${String(k)}`;
  return out;
}
