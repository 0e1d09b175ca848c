import { isPruneError, type MaskContext, type MaskStrategy, resolveOptions } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { composeStrategy } from '../compose.js';
import { magnitudeScore } from '../scores/magnitude.js';
import { unstructuredSelection } from '../selections/unstructured.js';
import { explicitDensity } from '../strategies/explicit-density.js';
import { magnitudeGlobal } from '../strategies/magnitude-global.js';
import { magnitudeLayerwise } from '../strategies/magnitude-layerwise.js';
import { context, maskOf, param, plain, weightsOf } from '../testing/fixtures.js';
import { balancedAllocation } from './balanced.js';
import { erkAllocation } from './erk.js';
import { matchedAllocation } from './matched.js';

// a [4,4]: ±1..±16 (|a_i| = i + 1), b [4,1], c [2,8] with four-way ties; a.bias is not prunable.
const params = [
  param('a.weight', [4, 4]),
  param('a.bias', [4], false),
  param('b.weight', [4, 1]),
  param('c.weight', [2, 8]),
];
const weights = weightsOf(params, {
  'a.weight': Array.from({ length: 16 }, (_, i) => (i % 2 ? -1 : 1) * (i + 1)),
  'a.bias': [100, 100, 100, 100],
  'b.weight': [0.5, -3, 2, 1],
  'c.weight': [4, -4, 4, 4, 1, 1, -1, 1, 2, 2, 2, -2, 3, 3, 3, 3],
});
const quarter = { kind: 'density', density: 0.25 } as const; // ⌈0.25 · 36⌉ = 9 weights

const with_ = (
  allocation: typeof erkAllocation | typeof balancedAllocation | typeof matchedAllocation,
  name: string,
) =>
  composeStrategy({
    name,
    description: name,
    score: magnitudeScore,
    allocation,
    selection: unstructuredSelection,
  });
const magnitudeErk = with_(erkAllocation, 'magnitude-erk');
const magnitudeBalanced = with_(balancedAllocation, 'magnitude-balanced');
const magnitudeMatched = with_(matchedAllocation, 'magnitude-matched');

const top = (n: number, idx: number[]) => Array.from({ length: n }, (_, i) => (idx.includes(i) ? 1 : 0));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function run(strategy: MaskStrategy<unknown>, ctx: MaskContext, options: unknown = {}) {
  return plain(await strategy.prune(ctx, resolveOptions(strategy, options)));
}

describe('allocations, by hand (magnitude score, unstructured selection)', () => {
  it('global: one threshold over all layers keeps the 9 largest |w| (all in a)', async () => {
    const m = await run(magnitudeGlobal, context({ params, weights, target: quarter }));
    expect(m).toEqual({
      'a.weight': top(16, range(7, 16)),
      'b.weight': [0, 0, 0, 0],
      'c.weight': top(16, []),
    });
  });

  it('global: ties at the threshold go to the earlier parameter, then the lower index', async () => {
    // density 0.9 keeps ⌈32.4⌉ = 33 of 36: prune b's 0.5 and two of the six |1|s (a[0], b[3], c[4..7]).
    // The earlier ones win: a[0], b[3], c[4], c[5] stay; c[6] and c[7] go.
    const m = await run(
      magnitudeGlobal,
      context({ params, weights, target: { kind: 'density', density: 0.9 } }),
    );
    expect(m['c.weight']).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(m['b.weight']).toEqual([0, 1, 1, 1]);
    expect(m['a.weight']).toEqual(top(16, range(0, 16)));
  });

  it('uniform: 9 ∝ sizes 16, 4, 16 → 4, 1, 4; c keeps the first four of its tied 4s', async () => {
    const m = await run(magnitudeLayerwise, context({ params, weights, target: quarter }));
    expect(m).toEqual({
      'a.weight': top(16, range(12, 16)),
      'b.weight': [0, 1, 0, 0],
      'c.weight': top(16, [0, 1, 2, 3]),
    });
  });

  it('ERK: weights (Σdims) 8, 5, 10 → 3.13, 1.96, 3.91 → 3, 2, 4 (largest remainder)', async () => {
    const m = await run(magnitudeErk, context({ params, weights, target: quarter }));
    expect(m).toEqual({
      'a.weight': top(16, range(13, 16)),
      'b.weight': [0, 1, 1, 0],
      'c.weight': top(16, [0, 1, 2, 3]),
    });
  });

  it('balanced: 3 each; c breaks its four-way tie by index', async () => {
    const m = await run(magnitudeBalanced, context({ params, weights, target: quarter }));
    expect(m).toEqual({
      'a.weight': top(16, range(13, 16)),
      'b.weight': [0, 1, 1, 1],
      'c.weight': top(16, [0, 1, 2]),
    });
  });

  it('balanced: a layer with 1 survivor keeps it and the rest is shared (never regrows)', async () => {
    const mask = maskOf(params, { 'b.weight': [1, 0, 0, 0] });
    const m = await run(magnitudeBalanced, context({ params, weights, mask, target: quarter }));
    // 33 survive, keep ⌈9⌉ = 9: b capped at 1 (its 0.5 — the 3 is pruned already), a and c get 4 each
    expect(m).toEqual({
      'a.weight': top(16, range(12, 16)),
      'b.weight': [1, 0, 0, 0],
      'c.weight': top(16, [0, 1, 2, 3]),
    });
  });

  it('matched: per-layer counts of a reference Mask (5, 1, 2), whatever the target', async () => {
    const reference = maskOf(params, {
      'a.weight': top(16, [0, 1, 2, 3, 4]),
      'b.weight': [1, 0, 0, 0],
      'c.weight': top(16, [8, 9]),
    });
    const m = await run(magnitudeMatched, context({ params, weights, target: quarter }), { reference });
    expect(m).toEqual({
      'a.weight': top(16, range(11, 16)),
      'b.weight': [0, 1, 0, 0],
      'c.weight': top(16, [0, 1]),
    });
  });

  it('matched: E_MASK for a reference of another model, or one keeping more than survives', async () => {
    const other = maskOf([param('a.weight', [4, 4]), param('b.weight', [4, 1])]);
    const errs: unknown[] = [];
    await run(magnitudeMatched, context({ params, weights }), { reference: other }).catch((e) =>
      errs.push(e),
    );
    const mask = maskOf(params, { 'b.weight': [1, 0, 0, 0] });
    await run(magnitudeMatched, context({ params, weights, mask }), { reference: maskOf(params) }).catch(
      (e) => errs.push(e),
    );
    expect(errs.map((e) => isPruneError(e, 'E_MASK'))).toEqual([true, true]);
    expect(String(errs[0])).toMatch(/does not fit this model: missing c.weight/);
    expect(String(errs[1])).toMatch(/keeps 4 weights in 'b.weight' but only 1 survive/);
  });

  it('explicit: a by layer name (0.25 → 4), c by parameter name (0.1 → ⌈1.6⌉ = 2), b kept', async () => {
    const m = await run(explicitDensity, context({ params, weights, target: quarter }), {
      densities: { a: 0.25, 'c.weight': 0.1 },
    });
    expect(m).toEqual({
      'a.weight': top(16, range(12, 16)),
      'b.weight': [1, 1, 1, 1],
      'c.weight': top(16, [0, 1]),
    });
    const others = await run(explicitDensity, context({ params, weights }), {
      densities: { a: 0.25 },
      others: 0.5,
    });
    expect(others['b.weight']).toEqual([0, 1, 1, 0]);
  });

  it('explicit: clear errors for an unknown layer, a non-prunable parameter, a density out of range', async () => {
    const ctx = context({ params, weights });
    await expect(run(explicitDensity, ctx, { densities: { conv9: 0.5 } })).rejects.toThrow(
      /unknown layer 'conv9' in options.densities; prunable: a.weight, b.weight, c.weight/,
    );
    await expect(run(explicitDensity, ctx, { densities: { 'a.bias': 0.5 } })).rejects.toThrow(
      /'a.bias' is not prunable/,
    );
    await expect(run(explicitDensity, ctx, { densities: { a: 1.5 } })).rejects.toThrow(
      /options.densities.a: Too big/,
    );
    await expect(explicitDensity.prune(ctx, { densities: { a: -0.5 }, others: 'keep' })).rejects.toThrow(
      /density of 'a' is -0.5, out of range \[0, 1\]/,
    );
  });
});
