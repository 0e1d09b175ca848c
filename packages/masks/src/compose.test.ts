import { type MaskStrategy, resolveOptions, z } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { explicitAllocation } from './allocations/explicit.js';
import { globalAllocation } from './allocations/global.js';
import { createMaskRegistry } from './builtins.js';
import { composeStrategy } from './compose.js';
import { createAllocationRegistry, createScoreRegistry, createSelectionRegistry } from './parts.js';
import { elementwiseScore } from './scores/magnitude.js';
import { randomScore } from './scores/random.js';
import { channelSelection } from './selections/channel.js';
import { unstructuredSelection } from './selections/unstructured.js';
import { context, param, plain, weightsOf } from './testing/fixtures.js';
import type { Score } from './types.js';

const params = [param('fc1.weight', [2, 2]), param('fc2.weight', [2, 1])];
const weights = weightsOf(params, { 'fc1.weight': [1, -2, 3, -4], 'fc2.weight': [-5, 0.5] });

describe('third-party strategies', () => {
  it('a new score-based strategy is a few lines: compose + register', async () => {
    // A third party: "keep the weights closest to 1 in magnitude", global, unstructured.
    const nearOne = elementwiseScore('near-one', '−| |w| − 1 |', (w) => -Math.abs(Math.abs(w) - 1));
    const masks = createMaskRegistry();
    masks.register(
      composeStrategy({
        name: 'near-one-global',
        description: 'keep the weights whose magnitude is closest to 1',
        score: nearOne,
        allocation: globalAllocation,
        selection: unstructuredSelection,
      }),
    );
    const strategy = masks.get('near-one-global');
    const m = await strategy.prune(
      context({ params, weights, target: { kind: 'density', density: 0.5 } }),
      resolveOptions(strategy, {}),
    );
    // scores: fc1 [0, -1, -2, -3], fc2 [-4, -0.5] → keep 3: fc1[0], fc2[1], fc1[1]
    expect(plain(m)).toEqual({ 'fc1.weight': [1, 1, 0, 0], 'fc2.weight': [0, 1] });
    expect(masks.names()).toContain('near-one-global');
  });

  it('a score with options: its zod shape joins the strategy schema', async () => {
    const power: Score<{ p: number }> = {
      name: 'power',
      description: '|w|^p',
      defaults: { p: 2 },
      shape: { p: z.number().positive() },
      score: (ctx, o) =>
        new Map(
          ctx.mask
            .names()
            .map((n) => [n, Float32Array.from(ctx.weights.get(n)!.data, (w) => Math.abs(w) ** o.p)]),
        ),
    };
    const s = composeStrategy({
      name: 'power-explicit',
      description: 'x',
      score: power,
      allocation: explicitAllocation,
      selection: unstructuredSelection,
    });
    expect(s.defaults).toEqual({ p: 2, densities: {}, others: 'keep' });
    expect(resolveOptions(s, { p: 3, densities: { fc1: 0.5 } })).toEqual({
      p: 3,
      densities: { fc1: 0.5 },
      others: 'keep',
    });
    expect(() => resolveOptions(s, { p: -1 })).toThrow(/options.p: Too small/);
    expect(() => resolveOptions(s, { q: 1 })).toThrow(/q/);
    const m = await s.prune(context({ params, weights }), resolveOptions(s, { densities: { fc1: 0.5 } }));
    expect(plain(m)).toEqual({ 'fc1.weight': [0, 0, 1, 1], 'fc2.weight': [1, 1] });
    expect(s.parts.score.name).toBe('power');
  });

  it('strategy-level defaults override the parts; option clashes are refused', () => {
    const s = composeStrategy({
      name: 'l2-channels',
      description: 'x',
      score: randomScore,
      allocation: globalAllocation,
      selection: channelSelection,
      defaults: { norm: 'l2' },
    });
    expect(s.defaults).toEqual({ norm: 'l2', keepOutputLayer: true });
    const clash: Score<{ norm: number }> = {
      ...randomScore,
      name: 'clash',
      defaults: { norm: 1 },
      shape: { norm: z.number() },
    };
    expect(() =>
      composeStrategy({
        name: 'bad',
        description: 'x',
        score: clash,
        allocation: globalAllocation,
        selection: channelSelection,
      }),
    ).toThrow(/option 'norm' is defined by both score 'clash' and selection 'channel'/);
  });

  it('part registries list the built-ins and explain unknown names', () => {
    expect(createScoreRegistry().names()).toEqual(['magnitude', 'random', 'snip', 'synflow']);
    expect(createAllocationRegistry().names()).toEqual([
      'balanced',
      'erk',
      'explicit',
      'global',
      'matched',
      'uniform',
    ]);
    expect(createSelectionRegistry().names()).toEqual(['channel', 'unstructured']);
    expect(() => createAllocationRegistry().get('ekr')).toThrow(
      /unknown allocation 'ekr' \(did you mean 'erk'\?\)/,
    );
  });

  it('every built-in strategy has defaults its own schema accepts', () => {
    for (const s of createMaskRegistry().list() as MaskStrategy<unknown>[]) {
      if (s.name === 'random-matched' || s.name === 'from-run') {
        expect(() => resolveOptions(s, {})).toThrow(/reference/);
        expect(resolveOptions(s, { reference: 'runs/x' })).toMatchObject({ reference: 'runs/x' });
      } else expect(resolveOptions(s, {})).toEqual(s.defaults);
    }
  });
});
