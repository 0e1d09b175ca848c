import { type MaskContext, type MaskStrategy, resolveOptions } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { structuredChannel } from '../strategies/structured-channel.js';
import { context, maskOf, param, plain, weightsOf } from '../testing/fixtures.js';
import { channelSelection } from './channel.js';
import { unstructuredSelection } from './unstructured.js';

async function run(strategy: MaskStrategy<unknown>, ctx: MaskContext, options: unknown = {}) {
  return plain(await strategy.prune(ctx, resolveOptions(strategy, options)));
}

// k [2,2]: channel 0 = {3, 0}, channel 1 = {1.6, 1.6} (last axis). L1: 3 < 3.2; L2: 3 > 2.26.
const params = [param('k.weight', [2, 2]), param('k.bias', [2], false), param('out.weight', [2, 1])];
const weights = weightsOf(params, { 'k.weight': [3, 1.6, 0, 1.6], 'k.bias': [1, 1], 'out.weight': [0.1, 5] });
const half = { kind: 'fraction', fraction: 0.5 } as const;

describe('unstructured selection', () => {
  it('sets pruned scores to -Infinity and counts survivors; kept units are the new mask', () => {
    const info = param('w', [3]);
    const g = unstructuredSelection.group(info, Float32Array.of(3, 1, 2), Uint8Array.of(1, 0, 1), {});
    expect([...g.scores]).toEqual([3, Number.NEGATIVE_INFINITY, 2]);
    expect(g.aliveCount).toBe(2);
    expect([
      ...unstructuredSelection.expand(info, Uint8Array.of(1, 0, 0), Uint8Array.of(1, 0, 1), {}),
    ]).toEqual([1, 0, 0]);
  });
});

describe('channel selection (structured)', () => {
  it('unit scores are L1 / L2 norms over the last axis, dead channels -Infinity', () => {
    const info = param('k.weight', [2, 2]);
    const l1 = channelSelection.group(info, Float32Array.of(3, 1.6, 0, 1.6), Uint8Array.of(1, 1, 1, 1), {
      norm: 'l1',
      keepOutputLayer: true,
    });
    expect([...l1.scores].map((v) => +v.toFixed(5))).toEqual([3, 3.2]);
    const l2 = channelSelection.group(info, Float32Array.of(3, 1.6, 0, 1.6), Uint8Array.of(0, 1, 0, 1), {
      norm: 'l2',
      keepOutputLayer: true,
    });
    expect(l2.scores[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(l2.scores[1]).toBeCloseTo(Math.sqrt(2 * 1.6 * 1.6), 5);
    expect(l2.aliveCount).toBe(1);
  });

  it('L1 keeps channel 1, L2 keeps channel 0; the classifier is left alone', async () => {
    const ctx = context({ params, weights, target: half });
    expect(await run(structuredChannel, ctx, { norm: 'l1' })).toEqual({
      'k.weight': [0, 1, 0, 1],
      'out.weight': [1, 1],
    });
    expect(await run(structuredChannel, ctx, { norm: 'l2' })).toEqual({
      'k.weight': [1, 0, 1, 0],
      'out.weight': [1, 1],
    });
  });

  it('with keepOutputLayer: false the classifier is a layer like the others', async () => {
    // 3 channels survive (2 + 1), prune ⌊1.5⌋ = 1 → keep 2: uniform 1.33 / 0.67 → 1 / 1
    const ctx = context({ params, weights, target: half });
    expect(await run(structuredChannel, ctx, { keepOutputLayer: false })).toEqual({
      'k.weight': [0, 1, 0, 1],
      'out.weight': [1, 1],
    });
  });

  it('scores only surviving weights and never revives one', async () => {
    // channel 0 keeps only its 3, channel 1 only its first 1.6: L1 3 > 1.6
    const mask = maskOf(params, { 'k.weight': [1, 1, 0, 0] });
    expect(await run(structuredChannel, context({ params, weights, mask, target: half }))).toEqual({
      'k.weight': [1, 0, 0, 0],
      'out.weight': [1, 1],
    });
    // channel 0 is dead: 1 channel survives, ⌊0.5⌋ = 0 pruned
    const dead = maskOf(params, { 'k.weight': [0, 1, 0, 1] });
    expect(await run(structuredChannel, context({ params, weights, mask: dead, target: half }))).toEqual({
      'k.weight': [0, 1, 0, 1],
      'out.weight': [1, 1],
    });
  });

  it('conv kernels [kh, kw, in, out]: channels on the last axis', async () => {
    const conv = [param('conv.weight', [1, 1, 2, 3], true, 'conv'), param('fc.weight', [3, 2])];
    const w = weightsOf(conv, { 'conv.weight': [1, 2, 3, -4, 5, -6], 'fc.weight': [1, 1, 1, 1, 1, 1] });
    // L1 per channel: 5, 7, 9; density 1/3 of 3 channels keeps ⌈1⌉ = 1 → channel 2
    const m = await run(
      structuredChannel,
      context({ params: conv, weights: w, target: { kind: 'density', density: 1 / 3 } }),
    );
    expect(m).toEqual({ 'conv.weight': [0, 0, 1, 0, 0, 1], 'fc.weight': [1, 1, 1, 1, 1, 1] });
  });
});
