import { describe, expect, it } from 'vitest';
import { bnRewind } from './bn-rewind.js';
import { rewindFixture } from './fixture.js';
import { f32, values } from './test-utils.js';

describe('bn-rewind', () => {
  it('rewinds BN gamma/beta and running stats to the anchor, keeps weights, biases and momentum', async () => {
    const ctx = rewindFixture();
    const r = await bnRewind.apply(ctx, {});
    expect(values(r.weights.params, 'bn1.gamma')).toEqual(f32([0.9, 1.1]));
    expect(values(r.weights.params, 'bn1.beta')).toEqual(f32([0.05, -0.05]));
    expect(values(r.weights.state, 'bn1.running_mean')).toEqual(f32([0.1, -0.1]));
    expect(values(r.weights.state, 'bn1.running_var')).toEqual(f32([0.9, 1.2]));
    expect(values(r.weights.params, 'fc1.weight')).toEqual(f32([-1, 2, 0, -3]));
    expect(values(r.weights.params, 'fc1.bias')).toEqual(f32([-0.2, -0.4]));
    expect(values(r.weights.params, 'fc2.weight')).toEqual(f32([0.8, -0.9, 1.2, -0.05]));
    // momentum is kept, also for the rewound BN params
    expect(r.optimizer?.step).toBe(100);
    expect(values(r.optimizer!.slots, 'bn1.gamma/momentum')).toEqual(f32([0.03, -0.03]));
    expect(r.schedule).toEqual({ kind: 'restart', fromStep: 0 });
  });

  it('keeps the parameter order of the model', async () => {
    const r = await bnRewind.apply(rewindFixture(), {});
    expect([...r.weights.params.keys()]).toEqual([
      'fc1.weight',
      'fc1.bias',
      'bn1.gamma',
      'bn1.beta',
      'fc2.weight',
    ]);
  });
});
