import { isPruneError, resolveOptions, type RewindResult } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { rewindFixture } from './fixture.js';
import { randomReinit } from './random-reinit.js';
import { f32, values } from './test-utils.js';
import { weightRewind } from './weight-rewind.js';

const rewound = (ctx = rewindFixture()) =>
  weightRewind.apply(ctx, { at: '20it', replayFrom: 'start' }) as RewindResult;

describe('random-reinit', () => {
  it('takes every parameter and the BN state from ctx.initialize(seed)', async () => {
    const ctx = rewindFixture();
    const r = await randomReinit.modify(rewound(ctx), ctx, resolveOptions(randomReinit, { seed: 7 }));
    const fresh = ctx.initialize!(7);
    for (const name of ['fc1.weight', 'fc2.weight', 'bn1.gamma']) {
      expect(values(r.weights.params, name)).toEqual(values(fresh.params, name));
    }
    expect(values(r.weights.state, 'bn1.running_var')).toEqual(f32([1, 1]));
    // optimizer and schedule: the policy's (IMP: anchor momentum, restart)
    expect(r.optimizer?.step).toBe(20);
    expect(r.schedule).toEqual({ kind: 'restart', fromStep: 0 });
  });

  it("params: 'prunable' re-initializes only prunable weights; optimizer: 'reset' gives a fresh optimizer", async () => {
    const ctx = rewindFixture();
    const r = await randomReinit.modify(rewound(ctx), ctx, {
      seed: 7,
      params: 'prunable',
      optimizer: 'reset',
    });
    expect(values(r.weights.params, 'fc1.weight')).toEqual(values(ctx.initialize!(7).params, 'fc1.weight'));
    expect(values(r.weights.params, 'bn1.gamma')).toEqual(f32([0.9, 1.1]));
    expect(values(r.weights.state, 'bn1.running_mean')).toEqual(f32([0.1, -0.1]));
    expect(r.optimizer).toBeNull();
  });

  it('draws the seed from ctx.rng when none is given: same rewind seed, same weights', async () => {
    const run = async (seed: number) => {
      const ctx = rewindFixture({ seed });
      const r = await randomReinit.modify(rewound(ctx), ctx, resolveOptions(randomReinit, {}));
      return values(r.weights.params, 'fc1.weight');
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });

  it('fails clearly when the runner did not provide ctx.initialize', () => {
    const { initialize: _ignored, ...ctx } = rewindFixture();
    try {
      randomReinit.modify(rewound(), ctx, resolveOptions(randomReinit, {}));
      expect.unreachable();
    } catch (e) {
      expect(isPruneError(e, 'E_RECIPE')).toBe(true);
      expect((e as Error).message).toMatch(/needs ctx\.initialize .* the runner did not provide it/);
    }
  });
});
