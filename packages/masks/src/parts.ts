import { Registry } from '@prunekit/core';
import { balancedAllocation } from './allocations/balanced.js';
import { erkAllocation } from './allocations/erk.js';
import { explicitAllocation } from './allocations/explicit.js';
import { globalAllocation } from './allocations/global.js';
import { matchedAllocation } from './allocations/matched.js';
import { uniformAllocation } from './allocations/uniform.js';
import { magnitudeScore } from './scores/magnitude.js';
import { randomScore } from './scores/random.js';
import { snipScore } from './scores/snip.js';
import { synflowScore } from './scores/synflow.js';
import { channelSelection } from './selections/channel.js';
import { unstructuredSelection } from './selections/unstructured.js';
import type { Allocation, Score, Selection } from './types.js';

/**
 * The built-in scores: `magnitude`, `snip`, `synflow`, `random`.
 *
 * @example
 * ```ts
 * builtinScores.map((s) => s.name); // ['magnitude', 'snip', 'synflow', 'random']
 * ```
 */
export const builtinScores: readonly Score<unknown>[] = [
  magnitudeScore,
  snipScore,
  synflowScore,
  randomScore,
] as const;

/**
 * The built-in allocations: `global`, `uniform`, `erk`, `balanced`, `matched`, `explicit`.
 *
 * @example
 * ```ts
 * builtinAllocations.map((a) => a.name);
 * ```
 */
export const builtinAllocations: readonly Allocation<unknown>[] = [
  globalAllocation,
  uniformAllocation,
  erkAllocation,
  balancedAllocation,
  matchedAllocation,
  explicitAllocation,
] as const;

/**
 * The built-in selections: `unstructured`, `channel`.
 *
 * @example
 * ```ts
 * builtinSelections.map((s) => s.name); // ['unstructured', 'channel']
 * ```
 */
export const builtinSelections: readonly Selection<unknown>[] = [
  unstructuredSelection,
  channelSelection,
] as const;

/**
 * A fresh registry of scores holding the built-ins.
 *
 * @example
 * ```ts
 * const scores = createScoreRegistry();
 * const magnitude = scores.get('magnitude');
 * ```
 */
export function createScoreRegistry(): Registry<Score<unknown>> {
  return new Registry('score', builtinScores);
}

/**
 * A fresh registry of allocations holding the built-ins.
 *
 * @example
 * ```ts
 * createAllocationRegistry().get('erk');
 * ```
 */
export function createAllocationRegistry(): Registry<Allocation<unknown>> {
  return new Registry('allocation', builtinAllocations);
}

/**
 * A fresh registry of selections holding the built-ins.
 *
 * @example
 * ```ts
 * createSelectionRegistry().get('channel');
 * ```
 */
export function createSelectionRegistry(): Registry<Selection<unknown>> {
  return new Registry('selection', builtinSelections);
}
