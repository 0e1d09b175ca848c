import { isPruneError, type RewindPolicy, z } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { applyRewind } from './apply.js';
import { rewindFixture } from './fixture.js';
import { lrRewind } from './lr-rewind.js';
import { f32, values } from './test-utils.js';
import { weightRewind } from './weight-rewind.js';
import { withSigns } from './with-signs.js';

describe('applyRewind', () => {
  it('runs the policy, then the modifiers, then masks weights and per-weight momentum', async () => {
    const ctx = rewindFixture();
    const r = await applyRewind(
      weightRewind,
      { at: '20it' },
      [{ modifier: withSigns, options: { from: 'trained' } }],
      ctx,
    );
    expect(values(r.weights.params, 'fc1.weight')).toEqual(f32([-0.5, 0.2, 0.1, -0.3]));
    // |[-0.7, 0.6, -0.5, 0.2]| ⊙ sign([0.8, -0.9, 1.2, -0.05]) = [0.7, -0.6, 0.5, -0.2], mask [1, 1, 1, 0]
    expect(values(r.weights.params, 'fc2.weight')).toEqual(f32([0.7, -0.6, 0.5, 0]));
    expect(values(r.optimizer!.slots, 'fc2.weight/momentum')).toEqual(f32([0.07, -0.07, 0.07, 0]));
    expect(values(r.optimizer!.slots, 'fc1.bias/momentum')).toEqual(f32([0.001, 0.002]));
    expect(r.schedule).toEqual({ kind: 'restart', fromStep: 0 });
  });

  it('applies modifiers left to right', async () => {
    const ctx = rewindFixture();
    const anchorThenTrained = await applyRewind(
      lrRewind,
      {},
      [
        { modifier: withSigns, options: { from: 'anchor' } },
        { modifier: withSigns, options: { from: 'trained' } },
      ],
      ctx,
    );
    // the last one wins: trained signs on trained magnitudes = trained
    expect(values(anchorThenTrained.weights.params, 'fc1.weight')).toEqual(f32([-1, 2, 0, -3]));
    const trainedThenAnchor = await applyRewind(
      lrRewind,
      {},
      [
        { modifier: withSigns, options: { from: 'trained' } },
        { modifier: withSigns, options: { from: 'anchor' } },
      ],
      ctx,
    );
    // |[-1, 2, 0, -3]| ⊙ sign([0.5, -0.2, 0.1, 0.3]) = [1, -2, 0, 3]
    expect(values(trainedThenAnchor.weights.params, 'fc1.weight')).toEqual(f32([1, -2, 0, 3]));
  });

  it('validates every options object before running anything, naming the field', async () => {
    let calls = 0;
    const counting: RewindPolicy = {
      ...lrRewind,
      name: 'counting',
      apply: (c) => {
        calls++;
        return lrRewind.apply(c, {});
      },
    };
    await expect(
      applyRewind(counting, {}, [{ modifier: withSigns, options: { from: 'yesterday' } }], rewindFixture()),
    ).rejects.toThrow(/modifiers\[0\]\.options\.from/);
    expect(calls).toBe(0);
  });

  it('rejects a policy whose result does not match the model, naming the policy and the entry', async () => {
    const dropsBias: RewindPolicy = {
      name: 'drops-bias',
      description: 'a broken third-party policy',
      defaults: {},
      schema: z.object({}),
      apply(ctx) {
        const params = new Map(ctx.trained.params);
        params.delete('fc1.bias');
        return {
          weights: { params, state: ctx.trained.state },
          optimizer: null,
          schedule: { kind: 'restart', fromStep: 0 },
        };
      },
    };
    try {
      await applyRewind(dropsBias, {}, [], rewindFixture());
      expect.unreachable();
    } catch (e) {
      expect(isPruneError(e, 'E_SHAPE')).toBe(true);
      expect((e as Error).message).toContain(
        "rewind policy 'drops-bias': result.weights.params has no entry 'fc1.bias'",
      );
    }
  });

  it('does not change the context', async () => {
    const ctx = rewindFixture();
    await applyRewind(lrRewind, {}, [], ctx);
    expect(values(ctx.trained.params, 'fc2.weight')).toEqual(f32([0.8, -0.9, 1.2, -0.05]));
    expect(values(ctx.optimizer.trained.slots, 'fc2.weight/momentum')).toEqual(f32([0.5, -0.5, 0.25, -0.25]));
  });
});
