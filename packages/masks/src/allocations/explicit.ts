import { type ParamInfo, PruneError, z } from '@prunekit/core';
import { keepCount } from '../counts.js';
import type { Allocation, AllocationInput, AllocationResult } from '../types.js';

/** Options of the explicit allocation. */
export type ExplicitOptions = {
  /** Density per parameter name or layer name (a layer name covers its prunable parameters). */
  densities: Record<string, number>;
  /** Parameters not in the map: `'keep'` what survives (default), or a density for all of them. */
  others: 'keep' | number;
};

/**
 * Resolve an explicit density map to one density per prunable parameter. Keys are parameter
 * names or layer names; a parameter name wins over its layer's name. Unknown keys throw
 * `E_UNKNOWN_NAME` listing the prunable parameters; densities outside [0, 1] throw `E_RECIPE`.
 *
 * @example
 * ```ts
 * explicitDensities(params, { fc1: 0.5, 'fc2.weight': 0.9 }, 'keep'); // Map { fc1.weight → 0.5, fc2.weight → 0.9 }
 * ```
 */
export function explicitDensities(
  params: readonly ParamInfo[],
  densities: Readonly<Record<string, number>>,
  others: 'keep' | number,
  who = 'explicit densities',
): Map<string, number | 'keep'> {
  const prunable = params.filter((p) => p.prunable);
  for (const [key, d] of Object.entries(densities)) {
    if (typeof d !== 'number' || !Number.isFinite(d) || d < 0 || d > 1) {
      throw new PruneError('E_RECIPE', `${who}: density of '${key}' is ${d}, out of range [0, 1]`, {
        where: `options.densities.${key}`,
      });
    }
    if (!prunable.some((p) => p.name === key || p.layer === key)) {
      const param = params.find((p) => p.name === key);
      throw new PruneError(
        'E_UNKNOWN_NAME',
        param
          ? `${who}: '${key}' is not prunable (${param.role}); masks cover conv and linear weights only`
          : `${who}: unknown layer '${key}' in options.densities; prunable: ${prunable.map((p) => p.name).join(', ')}`,
        { hint: 'use parameter names (fc1.weight) or layer names (fc1)', where: `options.densities.${key}` },
      );
    }
  }
  if (others !== 'keep' && !(typeof others === 'number' && others >= 0 && others <= 1)) {
    throw new PruneError(
      'E_RECIPE',
      `${who}: options.others must be 'keep' or a density in [0, 1], got ${others}`,
    );
  }
  return new Map(prunable.map((p) => [p.name, densities[p.name] ?? densities[p.layer] ?? others]));
}

/**
 * Explicit allocation: a density per layer, `{ 'conv1': 0.8, 'fc.weight': 0.1 }`. A layer keeps
 * `⌈d·size⌉` of its weights (exactly, see `keepCount`), or all that survive if that is fewer;
 * layers not in the map follow `others`. The target is ignored.
 *
 * @example
 * ```ts
 * explicitAllocation.allocate(input, { densities: { fc1: 0.5 }, others: 'keep' });
 * ```
 */
export const explicitAllocation: Allocation<ExplicitOptions> = {
  name: 'explicit',
  description: 'a given density per layer ({ layerName: density })',
  defaults: { densities: {}, others: 'keep' },
  shape: {
    densities: z.record(z.string(), z.number().min(0).max(1)),
    others: z.union([z.literal('keep'), z.number().min(0).max(1)]),
  },
  allocate({ ctx, layers, strategy }: AllocationInput, options: ExplicitOptions): AllocationResult {
    const d = explicitDensities(ctx.params, options.densities, options.others, `mask strategy '${strategy}'`);
    const counts = new Map<string, number>();
    for (const l of layers) {
      const density = d.get(l.name) ?? 'keep';
      counts.set(
        l.name,
        density === 'keep' ? l.alive : keepCount({ kind: 'density', density }, l.alive, l.total),
      );
    }
    return { kind: 'per-layer', counts };
  },
};
