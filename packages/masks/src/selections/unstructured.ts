import { countOnes } from '@prunekit/core';
import type { NoOptions, Selection, UnitScores } from '../types.js';

/**
 * Unstructured selection: a unit is one weight. Keeps the top-scoring surviving weights; among
 * equal scores the earlier one wins (model order of parameters, then row-major index).
 *
 * @example
 * ```ts
 * unstructuredSelection.group(info, Float32Array.of(3, 1), Uint8Array.of(1, 0), {}); // scores [3, -Infinity]
 * ```
 */
export const unstructuredSelection: Selection<NoOptions> = {
  name: 'unstructured',
  description: 'individual weights (top-k, ties to the lower index)',
  unit: 'weight',
  defaults: {},
  shape: {},
  group(_info, scores: Float32Array, mask: Uint8Array): UnitScores {
    const aliveCount = countOnes(mask);
    if (aliveCount < mask.length) {
      for (let i = 0; i < mask.length; i++) if (mask[i] === 0) scores[i] = Number.NEGATIVE_INFINITY;
    }
    return { scores, alive: mask, aliveCount };
  },
  // Units are weights and only surviving ones are ever selected, so the kept units are the mask.
  expand: (_info, keepUnits: Uint8Array): Uint8Array => keepUnits,
};
