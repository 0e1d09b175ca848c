import { type MaskStrategy, Registry } from '@prunekit/core';
import { explicitDensity } from './strategies/explicit-density.js';
import { fromRun } from './strategies/from-run.js';
import { magnitudeGlobal } from './strategies/magnitude-global.js';
import { magnitudeLayerwise } from './strategies/magnitude-layerwise.js';
import { randomBalanced } from './strategies/random-balanced.js';
import { randomErk } from './strategies/random-erk.js';
import { randomMatched } from './strategies/random-matched.js';
import { randomUniform } from './strategies/random-uniform.js';
import { snip } from './strategies/snip.js';
import { structuredChannel } from './strategies/structured-channel.js';
import { synflow } from './strategies/synflow.js';

/**
 * Every built-in mask strategy. Nothing registers at import time: start a registry from this list.
 *
 * @example
 * ```ts
 * builtinMaskStrategies.map((s) => s.name);
 * ```
 */
export const builtinMaskStrategies: readonly MaskStrategy[] = [
  magnitudeGlobal,
  magnitudeLayerwise,
  randomMatched,
  randomErk,
  randomUniform,
  randomBalanced,
  snip,
  synflow,
  fromRun,
  structuredChannel,
  explicitDensity,
] as readonly MaskStrategy[];

/**
 * A fresh registry of mask strategies holding the built-ins; register your own on it.
 *
 * @example
 * ```ts
 * const masks = createMaskRegistry();
 * masks.get('magnitude-global');
 * masks.get('snpi'); // throws E_UNKNOWN_NAME: unknown mask strategy 'snpi' (did you mean 'snip'?); known: …
 * ```
 */
export function createMaskRegistry(): Registry<MaskStrategy> {
  return new Registry('mask strategy', builtinMaskStrategies);
}
