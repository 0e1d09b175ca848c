import { isPruneError, type Mask, type MaskContext, type MaskStrategy, resolveOptions } from '@prunekit/core';
import { createRng } from '@prunekit/tensor';
import { describe, expect, it } from 'vitest';
import { erkDensities } from '../allocations/erk.js';
import { builtinMaskStrategies, createMaskRegistry } from '../builtins.js';
import { context, fakeRuns, maskOf, param, plain, randomWeights } from '../testing/fixtures.js';
import { fromRun } from './from-run.js';
import { magnitudeGlobal } from './magnitude-global.js';
import { magnitudeLayerwise } from './magnitude-layerwise.js';
import { randomBalanced } from './random-balanced.js';
import { randomErk } from './random-erk.js';
import { randomMatched } from './random-matched.js';
import { randomUniform } from './random-uniform.js';

async function prune(
  strategy: MaskStrategy<unknown>,
  ctx: MaskContext,
  options: unknown = {},
): Promise<Mask> {
  return strategy.prune(ctx, resolveOptions(strategy, options));
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return undefined;
}

// A "large" model: 3 prunable layers (≈ 120 k weights) and two that are not.
const big = [
  param('conv1.weight', [3, 3, 16, 64], true, 'conv'),
  param('bn1.gamma', [64], false),
  param('fc1.weight', [1024, 96]),
  param('fc1.bias', [96], false),
  param('fc2.weight', [96, 10]),
];
const bigWeights = randomWeights(big, 42);

describe('registry', () => {
  it('holds every built-in under its file name and lists known names on a typo', () => {
    const registry = createMaskRegistry();
    expect(registry.names()).toEqual(
      [
        'explicit-density',
        'from-run',
        'magnitude-global',
        'magnitude-layerwise',
        'random-balanced',
        'random-erk',
        'random-matched',
        'random-uniform',
        'snip',
        'structured-channel',
        'synflow',
      ].sort(),
    );
    expect(() => registry.get('snpi')).toThrow(
      /unknown mask strategy 'snpi' \(did you mean 'snip'\?\); known: /,
    );
    for (const s of builtinMaskStrategies) expect(s.description.length).toBeGreaterThan(10);
  });
});

describe('open_lth invariants on large tensors', () => {
  for (const strategy of [
    magnitudeGlobal,
    magnitudeLayerwise,
    randomUniform,
    randomErk,
    randomBalanced,
  ] as MaskStrategy<unknown>[]) {
    it(`${strategy.name}: pruned fraction on target, masks only shrink, (1 − f)² after two rounds`, async () => {
      const ctx1 = context({ params: big, weights: bigWeights, seed: 9 });
      const total = ctx1.mask.size();
      const m1 = await prune(strategy, ctx1);
      expect(Math.abs(1 - m1.density() - 0.2)).toBeLessThan(1e-4);
      expect(m1.count()).toBe(total - Math.floor(0.2 * total));
      expect(m1.names()).toEqual(['conv1.weight', 'fc1.weight', 'fc2.weight']);
      const m2 = await prune(
        strategy,
        context({ params: big, weights: bigWeights, mask: m1, seed: 9, round: 2 }),
      );
      expect(m2.isSubsetOf(m1)).toBe(true);
      expect(Math.abs(m2.density() - 0.8 ** 2)).toBeLessThan(1e-4);
      const m3 = await prune(
        strategy,
        context({
          params: big,
          weights: bigWeights,
          mask: m2,
          seed: 9,
          round: 3,
          target: { kind: 'density', density: 0.05 },
        }),
      );
      expect(m3.isSubsetOf(m2)).toBe(true);
      expect(m3.count()).toBe(Math.ceil(0.05 * total));
    });
  }

  it('layer-wise strategies give every layer the same density (up to one weight)', async () => {
    for (const s of [magnitudeLayerwise, randomUniform] as MaskStrategy<unknown>[]) {
      const m = await prune(
        s,
        context({ params: big, weights: bigWeights, target: { kind: 'density', density: 0.1 } }),
      );
      for (const [name, t] of m.entries())
        expect(Math.abs(m.count(name) - 0.1 * t.data.length)).toBeLessThanOrEqual(1);
    }
  });

  it('random-erk follows the ERK densities; random-balanced keeps equal counts, capped', async () => {
    const ctx = context({ params: big, weights: bigWeights, target: { kind: 'density', density: 0.15 } });
    const erk = await prune(randomErk, ctx);
    const want = erkDensities(
      big.filter((p) => p.prunable),
      0.15,
    );
    for (const [name, t] of erk.entries())
      expect(Math.abs(erk.count(name) - want.get(name)! * t.data.length)).toBeLessThanOrEqual(1);
    // ε = 0.15 · 108480 / (86 + 1120 + 106) ≈ 12.4: fc2's 12.4 · 106/960 > 1 → dense, the rest is redistributed
    expect(want.get('fc2.weight')).toBe(1);
    expect(erk.count('fc2.weight')).toBe(960);
    expect(erk.count()).toBe(Math.ceil(0.15 * 108480));
    // balanced: 16272 / 3 = 5424 each, but fc2 holds 960 → the other two get (16272 − 960) / 2 = 7656
    const balanced = await prune(randomBalanced, ctx);
    expect(balanced.layerCounts()).toEqual({ 'conv1.weight': 7656, 'fc1.weight': 7656, 'fc2.weight': 960 });
  });
});

describe('random strategies', () => {
  it('the same seed gives the same mask, another seed another one; draws stay inside the current mask', async () => {
    const mask = maskOf(big, {
      'fc2.weight': Array.from({ length: 960 }, (_, i) => (i % 3 === 0 ? 0 : 1)),
    });
    const make = (seed: number) =>
      context({ params: big, weights: bigWeights, mask, seed, target: { kind: 'fraction', fraction: 0.5 } });
    const a = await prune(randomUniform, make(1));
    const b = await prune(randomUniform, make(1));
    const c = await prune(randomUniform, make(2));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(a.isSubsetOf(mask)).toBe(true);
    // the rng of the context is not advanced (scores come from a fork)
    const ctx = make(3);
    const before = ctx.rng.state();
    await prune(randomErk, ctx);
    expect(ctx.rng.state()).toEqual(before);
  });

  it('is uniform: every surviving weight is kept about equally often', async () => {
    const small = [param('w', [8])];
    const hits = new Array(8).fill(0);
    const mask = maskOf(small, { w: [1, 1, 1, 1, 1, 1, 0, 1] });
    for (let seed = 0; seed < 400; seed++) {
      const m = await prune(
        randomUniform,
        context({
          params: small,
          weights: randomWeights(small, 0),
          mask,
          seed,
          target: { kind: 'fraction', fraction: 0.5 },
        }),
      );
      m.get('w').data.forEach((v, i) => {
        hits[i] += v;
      });
    }
    // 7 survivors, keep 4: each kept with probability 4/7 → 228.6 of 400 (σ ≈ 9.9)
    expect(hits[6]).toBe(0);
    for (const [i, h] of hits.entries()) if (i !== 6) expect(Math.abs(h - 1600 / 7)).toBeLessThan(50);
  });

  it('random-matched reads the reference run round by round through ctx.runs', async () => {
    const params = [param('a.weight', [10]), param('b.weight', [6])];
    const weights = randomWeights(params, 1);
    const r1 = maskOf(params, { 'a.weight': [1, 1, 1, 1, 1, 1, 0, 0, 0, 0], 'b.weight': [1, 1, 1, 1, 1, 1] });
    const r2 = maskOf(params, { 'a.weight': [1, 1, 1, 0, 0, 0, 0, 0, 0, 0], 'b.weight': [1, 1, 0, 0, 1, 1] });
    const runs = fakeRuns({ 'runs/imp': [maskOf(params), r1, r2] });
    const m1 = await prune(randomMatched, context({ params, weights, extra: { runs } }), {
      reference: 'runs/imp',
    });
    expect(m1.layerCounts()).toEqual({ 'a.weight': 6, 'b.weight': 6 });
    const m2 = await prune(randomMatched, context({ params, weights, mask: m1, round: 2, extra: { runs } }), {
      reference: 'runs/imp',
    });
    expect(m2.layerCounts()).toEqual({ 'a.weight': 3, 'b.weight': 4 });
    expect(m2.isSubsetOf(m1)).toBe(true);
    // an explicit round overrides ctx.round
    const fixed = await prune(randomMatched, context({ params, weights, extra: { runs } }), {
      reference: 'runs/imp',
      round: 2,
    });
    expect(fixed.layerCounts()).toEqual({ 'a.weight': 3, 'b.weight': 4 });
  });

  it('random-matched: E_REFERENCE without a resolver, for a missing run or round; E_RECIPE without a reference', async () => {
    const params = [param('a.weight', [4])];
    const weights = randomWeights(params, 1);
    const runs = fakeRuns({ 'runs/imp': [maskOf(params)] });
    const noRunner = await errorOf(
      prune(randomMatched, context({ params, weights }), { reference: 'runs/imp' }),
    );
    expect(isPruneError(noRunner, 'E_REFERENCE')).toBe(true);
    expect(String(noRunner)).toMatch(/cannot open run 'runs\/imp': no run resolver/);
    const missingRun = await errorOf(
      prune(randomMatched, context({ params, weights, extra: { runs } }), { reference: 'runs/x' }),
    );
    expect(isPruneError(missingRun, 'E_REFERENCE')).toBe(true);
    const missingRound = await errorOf(
      prune(randomMatched, context({ params, weights, round: 3, extra: { runs } }), {
        reference: 'runs/imp',
      }),
    );
    expect(isPruneError(missingRound, 'E_REFERENCE')).toBe(true);
    expect(String(missingRound)).toMatch(/has masks for rounds 0..0, not round 3/);
    expect(() => resolveOptions(randomMatched as MaskStrategy<unknown>, {})).toThrow(
      /options.reference: options.reference must be a run directory/,
    );
  });
});

describe('from-run', () => {
  const params = [param('a.weight', [4]), param('a.bias', [4], false), param('b.weight', [2])];
  const weights = randomWeights(params, 3);
  const r1 = maskOf(params, { 'a.weight': [1, 0, 1, 1], 'b.weight': [1, 1] });
  const r2 = maskOf(params, { 'a.weight': [1, 0, 0, 1], 'b.weight': [0, 1] });
  const runs = fakeRuns({ 'runs/lrr': [maskOf(params), r1, r2] });

  it("returns the reference run's mask of this round, whatever the target", async () => {
    const m1 = await prune(fromRun, context({ params, weights, round: 1, extra: { runs } }), {
      reference: 'runs/lrr',
    });
    expect(plain(m1)).toEqual(plain(r1));
    const m2 = await prune(fromRun, context({ params, weights, mask: m1, round: 2, extra: { runs } }), {
      reference: 'runs/lrr',
    });
    expect(plain(m2)).toEqual(plain(r2));
  });

  it('E_MASK when the reference keeps what the current mask pruned, unless intersect: true', async () => {
    const mask = maskOf(params, { 'a.weight': [0, 1, 1, 1] });
    const ctx = context({ params, weights, mask, round: 2, extra: { runs } });
    const err = await errorOf(prune(fromRun, ctx, { reference: 'runs/lrr' }));
    expect(isPruneError(err, 'E_MASK')).toBe(true);
    expect(String(err)).toMatch(
      /the mask of round 2 of run 'runs\/lrr' keeps weights that the current mask has pruned/,
    );
    const m = await prune(fromRun, ctx, { reference: 'runs/lrr', intersect: true });
    expect(plain(m)).toEqual({ 'a.weight': [0, 0, 0, 1], 'b.weight': [0, 1] });
  });

  it('E_REFERENCE for a missing round or resolver, E_MASK for a mask of another model', async () => {
    const late = await errorOf(
      prune(fromRun, context({ params, weights, round: 5, extra: { runs } }), { reference: 'runs/lrr' }),
    );
    expect(isPruneError(late, 'E_REFERENCE')).toBe(true);
    const none = await errorOf(prune(fromRun, context({ params, weights }), { reference: 'runs/lrr' }));
    expect(isPruneError(none, 'E_REFERENCE')).toBe(true);
    const other = fakeRuns({ 'runs/vgg': [maskOf([param('conv.weight', [3])])] });
    const wrong = await errorOf(
      prune(fromRun, context({ params, weights, round: 0, extra: { runs: other } }), {
        reference: 'runs/vgg',
      }),
    );
    expect(isPruneError(wrong, 'E_MASK')).toBe(true);
    expect(String(wrong)).toMatch(/run 'runs\/vgg' does not fit this model/);
    const broken = fakeRuns({});
    const thrown = await errorOf(
      prune(
        fromRun,
        context({
          params,
          weights,
          extra: {
            runs: () => ({
              ...broken('x'),
              lastRound: () => {
                throw new Error('disk');
              },
            }),
          },
        }),
        { reference: 'x' },
      ),
    );
    expect(isPruneError(thrown, 'E_REFERENCE')).toBe(true);
  });
});

describe('context checks', () => {
  it('E_RECIPE for a target out of range, E_SHAPE for weights of another shape', async () => {
    const params = [param('a.weight', [4])];
    const weights = randomWeights(params, 1);
    const bad = await errorOf(
      prune(magnitudeGlobal, context({ params, weights, target: { kind: 'density', density: 1.5 } })),
    );
    expect(isPruneError(bad, 'E_RECIPE')).toBe(true);
    expect(String(bad)).toMatch(/ctx.target.density is 1.5, out of range/);
    const wrong = randomWeights([param('a.weight', [2, 2])], 1);
    const shape = await errorOf(prune(magnitudeGlobal, context({ params, weights: wrong })));
    expect(isPruneError(shape, 'E_SHAPE')).toBe(true);
    expect(String(shape)).toMatch(/weight 'a.weight' is \[2,2\] but its mask is \[4\]/);
    const missing = await errorOf(prune(magnitudeGlobal, context({ params, weights: new Map() })));
    expect(String(missing)).toMatch(/ctx.weights has no parameter 'a.weight'/);
  });

  it('uses a seeded rng only through forks', () => {
    const rng = createRng(5);
    const s = rng.state();
    rng.fork('x');
    expect(rng.state()).toEqual(s);
  });
});
