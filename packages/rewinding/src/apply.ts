import {
  resolveOptions,
  type RewindContext,
  type RewindModifier,
  type RewindPolicy,
  type RewindResult,
} from '@prunekit/core';
import { assertResultLayout, maskResult } from './snapshot.js';

/** One modifier step of {@link applyRewind}: the modifier and its options (merged over its defaults). */
export interface ModifierStep {
  readonly modifier: RewindModifier;
  readonly options?: unknown;
}

/**
 * Run a rewind policy, then its modifiers left to right, then apply the mask.
 *
 * Every options object is merged over the plugin's defaults and validated before anything runs
 * (`E_RECIPE` naming the field, e.g. `modifiers[0].options.from`). After the policy and after each
 * modifier the result is checked against the model (`E_SHAPE` naming the plugin and the entry).
 * Finally pruned weights (`ctx.mask` = 0) are set to exactly 0, and so are the matching entries of
 * per-weight optimizer slots (`${param}/momentum`, …); the runner multiplies by the mask again,
 * harmlessly.
 *
 * The returned result has fresh buffers owned by the caller; `ctx` is not changed.
 *
 * @example
 * ```ts
 * // IMP with its own learned signs
 * const next = await applyRewind(weightRewind, { at: '1ep' }, [{ modifier: withSigns, options: { from: 'trained' } }], ctx);
 * ```
 */
export async function applyRewind(
  policy: RewindPolicy,
  options: unknown,
  modifiers: readonly ModifierStep[],
  ctx: RewindContext,
): Promise<RewindResult> {
  const policyOptions = resolveOptions(policy, options, 'options');
  const steps = modifiers.map((m, i) => ({
    modifier: m.modifier,
    options: resolveOptions(m.modifier, m.options, `modifiers[${i}].options`),
  }));
  let result = await policy.apply(ctx, policyOptions);
  assertResultLayout(result, ctx, `rewind policy '${policy.name}'`);
  for (const step of steps) {
    result = await step.modifier.modify(result, ctx, step.options);
    assertResultLayout(result, ctx, `rewind modifier '${step.modifier.name}'`);
  }
  return maskResult(result, ctx.mask);
}
