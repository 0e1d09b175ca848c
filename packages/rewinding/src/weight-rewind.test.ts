import { isPruneError, resolveOptions } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { rewindFixture } from './fixture.js';
import { f32, values } from './test-utils.js';
import { weightRewind } from './weight-rewind.js';

describe('weight-rewind', () => {
  it('resets every parameter, the BN running stats and the momentum to the anchor', async () => {
    const ctx = rewindFixture();
    const r = await weightRewind.apply(ctx, { at: '20it', replayFrom: 'start' });
    expect(values(r.weights.params, 'fc1.weight')).toEqual(f32([0.5, -0.2, 0.1, 0.3]));
    expect(values(r.weights.params, 'fc1.bias')).toEqual(f32([0.01, -0.02]));
    expect(values(r.weights.params, 'bn1.gamma')).toEqual(f32([0.9, 1.1]));
    expect(values(r.weights.params, 'bn1.beta')).toEqual(f32([0.05, -0.05]));
    // not masked by the policy itself (the runner / applyRewind masks)
    expect(values(r.weights.params, 'fc2.weight')).toEqual(f32([-0.7, 0.6, -0.5, 0.2]));
    expect(values(r.weights.state, 'bn1.running_mean')).toEqual(f32([0.1, -0.1]));
    expect(values(r.weights.state, 'bn1.running_var')).toEqual(f32([0.9, 1.2]));
    expect(r.optimizer?.step).toBe(20);
    expect(values(r.optimizer!.slots, 'fc1.weight/momentum')).toEqual(f32([0.05, 0.05, -0.05, -0.05]));
    expect(values(r.optimizer!.slots, 'bn1.gamma/momentum')).toEqual(f32([0.003, 0.004]));
  });

  it("restarts the schedule at 0 by default, or at the anchor step with replayFrom: 'anchor'", async () => {
    const ctx = rewindFixture();
    expect((await weightRewind.apply(ctx, resolveOptions(weightRewind, { at: '20it' }))).schedule).toEqual({
      kind: 'restart',
      fromStep: 0,
    });
    expect((await weightRewind.apply(ctx, { at: '20it', replayFrom: 'anchor' })).schedule).toEqual({
      kind: 'restart',
      fromStep: 20,
    });
    // epochs cannot be checked against ctx.anchorStep without iterations per epoch: accepted
    expect((await weightRewind.apply(ctx, { at: '2ep', replayFrom: 'anchor' })).schedule).toEqual({
      kind: 'restart',
      fromStep: 20,
    });
  });

  it('rejects an iteration anchor that differs from the one the runner saved', () => {
    expect(() => weightRewind.apply(rewindFixture(), { at: '5it', replayFrom: 'start' })).toThrow(
      /options.at is '5it' but the anchor was saved at iteration 20/,
    );
  });

  it('validates its options, naming the field', () => {
    expect(() => resolveOptions(weightRewind, { at: 'two epochs' })).toThrow(
      /options\.at: expected a training length/,
    );
    expect(() => resolveOptions(weightRewind, { replayFrom: 'k' })).toThrow(/options\.replayFrom/);
    expect(() => resolveOptions(weightRewind, { att: '1ep' })).toThrow(/att/);
  });

  it('rejects an anchor that does not match the model, naming the snapshot and the parameter', () => {
    const ctx = rewindFixture();
    const params = new Map(ctx.anchor.params);
    params.set('fc1.bias', { shape: [3], data: new Float32Array(3) });
    try {
      weightRewind.apply(
        { ...ctx, anchor: { params, state: ctx.anchor.state } },
        { at: '20it', replayFrom: 'start' },
      );
      expect.unreachable();
    } catch (e) {
      expect(isPruneError(e, 'E_SHAPE')).toBe(true);
      expect((e as Error).message).toContain(
        "ctx.anchor.params 'fc1.bias' has shape [3] but the model's is [2]",
      );
    }
  });
});
