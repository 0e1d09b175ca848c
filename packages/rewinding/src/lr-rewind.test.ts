import { describe, expect, it } from 'vitest';
import { rewindFixture } from './fixture.js';
import { lrRewind } from './lr-rewind.js';
import { f32, values } from './test-utils.js';

describe('lr-rewind', () => {
  it('keeps weights, BN state and momentum; restarts the schedule at 0', async () => {
    const ctx = rewindFixture();
    const r = await lrRewind.apply(ctx, {});
    expect(values(r.weights.params, 'fc1.weight')).toEqual(f32([-1, 2, 0, -3]));
    expect(values(r.weights.params, 'fc2.weight')).toEqual(f32([0.8, -0.9, 1.2, -0.05]));
    expect(values(r.weights.params, 'bn1.gamma')).toEqual(f32([1.5, 0.5]));
    expect(values(r.weights.state, 'bn1.running_var')).toEqual(f32([2, 3]));
    expect(r.optimizer?.step).toBe(100);
    expect(values(r.optimizer!.slots, 'fc2.weight/momentum')).toEqual(f32([0.5, -0.5, 0.25, -0.25]));
    expect(r.schedule).toEqual({ kind: 'restart', fromStep: 0 });
  });

  it('returns copies: changing the result leaves ctx.trained alone', async () => {
    const ctx = rewindFixture();
    const r = await lrRewind.apply(ctx, {});
    r.weights.params.get('fc1.weight')!.data[0] = 42;
    expect(values(ctx.trained.params, 'fc1.weight')[0]).toBe(-1);
  });
});
