import { Registry, type RewindModifier, type RewindPolicy } from '@prunekit/core';
import { bnRewind } from './bn-rewind.js';
import { fineTune } from './fine-tune.js';
import { lrRewind } from './lr-rewind.js';
import { randomReinit } from './random-reinit.js';
import { shuffleMagnitudes } from './shuffle-magnitudes.js';
import { weightRewind } from './weight-rewind.js';
import { withSigns } from './with-signs.js';

/**
 * The built-in rewind policies: `weight-rewind` (IMP), `lr-rewind` (LRR), `fine-tune` (FT),
 * `bn-rewind` (LRR + BN rewind).
 *
 * @example
 * ```ts
 * builtinRewindPolicies.map((p) => p.name); // ['weight-rewind', 'lr-rewind', 'fine-tune', 'bn-rewind']
 * ```
 */
export const builtinRewindPolicies: readonly RewindPolicy[] = [weightRewind, lrRewind, fineTune, bnRewind];

/**
 * The built-in rewind modifiers: `with-signs`, `shuffle-magnitudes`, `random-reinit`.
 *
 * @example
 * ```ts
 * builtinRewindModifiers.map((m) => m.name); // ['with-signs', 'shuffle-magnitudes', 'random-reinit']
 * ```
 */
export const builtinRewindModifiers: readonly RewindModifier[] = [withSigns, shuffleMagnitudes, randomReinit];

/**
 * A fresh registry of rewind policies holding the built-ins. Register your own on it.
 *
 * @example
 * ```ts
 * const policies = createRewindRegistry();
 * policies.get('lr-rewind');
 * policies.register(myPolicy);
 * ```
 */
export function createRewindRegistry(): Registry<RewindPolicy> {
  return new Registry<RewindPolicy>('rewind policy', builtinRewindPolicies);
}

/**
 * A fresh registry of rewind modifiers holding the built-ins. Register your own on it.
 *
 * @example
 * ```ts
 * const modifiers = createModifierRegistry();
 * modifiers.get('with-signs');
 * ```
 */
export function createModifierRegistry(): Registry<RewindModifier> {
  return new Registry<RewindModifier>('rewind modifier', builtinRewindModifiers);
}
