import * as tf from '@tensorflow/tfjs-core';
import { Mask, type MaskContext, type MaskStrategy, resolveOptions } from '@prunekit/core';
import { createRng } from '@prunekit/tensor';
import { describe, expect, it } from 'vitest';
import { builtinMaskStrategies } from '../builtins.js';
import { composeStrategy } from '../compose.js';
import { keepCount } from '../counts.js';
import { erkAllocation } from '../allocations/erk.js';
import { magnitudeScore } from '../scores/magnitude.js';
import { unstructuredSelection } from '../selections/unstructured.js';
import { magnitudeGlobal } from '../strategies/magnitude-global.js';
import { randomUniform } from '../strategies/random-uniform.js';
import { type ConformanceCase, runMaskStrategyConformance } from './conformance.js';
import { context, fakeRuns, host, mse, randomWeights, regressionBatches, TinyModel } from './fixtures.js';

/** A small MLP (prunable: l1.weight 4×6, l2.weight 6×3; bias and batch norm are not) from a seed. */
function tinyModel(seed: number): TinyModel {
  const shapes = { l1: [4, 6], l2: [6, 3] } as const;
  const w = randomWeights(
    Object.entries(shapes).map(([name, shape]) => ({
      name,
      shape: [...shape],
      prunable: true,
      role: 'weight' as const,
      layer: name,
      layerKind: 'dense' as const,
    })),
    seed,
  );
  return new TinyModel([
    {
      name: 'l1',
      weight: w.get('l1')!,
      bias: host([6], [0.1, -0.1, 0.2, 0, 0.05, -0.3]),
      relu: true,
      bn: {
        gamma: [1, 1, -1, 1, 0.5, 1],
        beta: [0, 0.1, 0, -0.1, 0, 0],
        mean: [0, 0.1, 0, 0, -0.2, 0],
        variance: [1, 1, 2, 1, 1, 0.5],
      },
    },
    { name: 'l2', weight: w.get('l2')! },
  ]);
}

/** Reference run masks (rounds 0..3 of global magnitude on a fixed model), for random-matched and from-run. */
let referenceMasks: Mask[] | undefined;
async function references(): Promise<Mask[]> {
  if (referenceMasks) return referenceMasks;
  const model = tinyModel(1234);
  const weights = model.snapshot().params;
  const masks: Mask[] = [];
  let mask: Mask | undefined;
  for (let round = 0; round <= 3; round++) {
    const ctx = context({ params: model.params, weights, round, ...(mask ? { mask } : {}) });
    mask = round === 0 ? ctx.mask : await magnitudeGlobal.prune(ctx, {});
    masks.push(mask);
  }
  model.dispose();
  referenceMasks = masks;
  return masks;
}

function baseCase(seed: number, round: number, mask: Mask | undefined, extra: Partial<MaskContext> = {}) {
  const model = tinyModel(seed);
  const ctx = context({
    params: model.params,
    weights: model.snapshot().params,
    seed,
    round,
    ...(mask ? { mask } : {}),
    extra: { model, batches: regressionBatches(seed, 3, 8, 4, 3), loss: mse, ...extra },
  });
  return { model, ctx };
}

const options: Record<string, unknown> = {
  snip: { batches: 2 },
  synflow: { iterations: 3 },
  'random-matched': { reference: 'runs/ref' },
  'from-run': { reference: 'runs/ref' },
  'explicit-density': { densities: { l1: 0.5 }, others: 0.8 },
};

/** Weights the strategy must keep when the target does not fix the count. */
function expectedCount(name: string, ctx: MaskContext, refs: Mask[]): number | undefined {
  if (name === 'random-matched' || name === 'from-run') return refs[ctx.round]!.count();
  if (name === 'explicit-density') {
    const l1 = ctx.mask.count('l1.weight');
    const l2 = ctx.mask.count('l2.weight');
    return Math.min(l1, 12) + Math.min(l2, Math.ceil(0.8 * 18));
  }
  if (name === 'structured-channel') {
    // l2 (the classifier) is frozen; l1 has 6 channels of 4 weights, complete or empty
    const l1 = ctx.mask.count('l1.weight') / 4;
    return keepCount(ctx.target, l1, 6) * 4 + ctx.mask.count('l2.weight');
  }
  return undefined;
}

function factory(strategy: MaskStrategy<unknown>) {
  return async ({
    seed,
    round,
    mask,
  }: {
    seed: number;
    round: number;
    mask?: Mask;
  }): Promise<ConformanceCase> => {
    const refs = await references();
    const { model, ctx } = baseCase(seed, round, mask, { runs: fakeRuns({ 'runs/ref': refs }) });
    const expected = expectedCount(strategy.name, ctx, refs);
    return {
      ctx,
      options: options[strategy.name] ?? {},
      ...(expected === undefined ? {} : { expectedCount: expected }),
      dispose: () => model.dispose(),
    };
  };
}

for (const strategy of builtinMaskStrategies as MaskStrategy<unknown>[]) {
  runMaskStrategyConformance({ describe, it, expect }, strategy, factory(strategy));
}

// A third party's strategy passes the same suite.
const magnitudeErk = composeStrategy({
  name: 'magnitude-erk',
  description: 'largest |w| per layer, ERK densities',
  score: magnitudeScore,
  allocation: erkAllocation,
  selection: unstructuredSelection,
});
runMaskStrategyConformance(
  { describe, it, expect },
  magnitudeErk as MaskStrategy<unknown>,
  factory(magnitudeErk as MaskStrategy<unknown>),
);

describe('conformance fixtures', () => {
  it('reference masks shrink round by round', async () => {
    const refs = await references();
    expect(refs.map((m) => m.count())).toEqual([42, 34, 28, 23]);
    expect(resolveOptions(magnitudeGlobal as MaskStrategy<unknown>, {})).toEqual({});
  });
});

describe('the conformance suite catches broken strategies', () => {
  /** Run the suite on `strategy` outside vitest and return the names of the checks that failed. */
  async function failures(strategy: MaskStrategy<unknown>): Promise<string[]> {
    const tests: [string, () => Promise<void>][] = [];
    runMaskStrategyConformance(
      { describe: (_n, fn) => fn(), it: (n, fn) => tests.push([n, fn]), expect },
      strategy,
      factory(magnitudeGlobal as MaskStrategy<unknown>),
    );
    const failed: string[] = [];
    for (const [name, fn] of tests) await fn().catch(() => failed.push(name));
    return failed;
  }
  const broken = (name: string, prune: MaskStrategy<unknown>['prune']): MaskStrategy<unknown> => ({
    ...(magnitudeGlobal as MaskStrategy<unknown>),
    name,
    prune,
  });

  it('flags a leak, a mask outside the current one, a wrong count, nondeterminism and a missing mask check', async () => {
    const leaked: tf.Tensor[] = [];
    const leaky = broken('leaky', async (ctx, o) => {
      leaked.push(tf.tensor([1]));
      return magnitudeGlobal.prune(ctx, o as never);
    });
    expect(await failures(leaky)).toEqual(['leaves no tensors behind']);
    for (const t of leaked) t.dispose();
    const regrows = broken('regrows', async (ctx) => Mask.ones(ctx.params));
    expect(await failures(regrows)).toEqual([
      'returns a mask inside the current one over exactly the prunable parameters, with the target count',
      'only shrinks masks over two rounds',
      'rejects a current mask made for another model with E_MASK',
    ]);
    let calls = 0;
    const random = broken('unseeded', async (ctx, o) =>
      randomUniform.prune({ ...ctx, rng: createRng(calls++) }, o as never),
    );
    expect(await failures(random)).toEqual(['is deterministic under a seed']);
  });
});
