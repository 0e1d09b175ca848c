import { resolveOptions } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { fineTune } from './fine-tune.js';
import { rewindFixture } from './fixture.js';
import { f32, values } from './test-utils.js';

describe('fine-tune', () => {
  it('resets nothing and continues at the last learning rate', async () => {
    const ctx = rewindFixture();
    const r = await fineTune.apply(ctx, resolveOptions(fineTune, {}));
    expect(values(r.weights.params, 'fc1.weight')).toEqual(f32([-1, 2, 0, -3]));
    expect(values(r.weights.state, 'bn1.running_mean')).toEqual(f32([0.4, -0.2]));
    expect(r.optimizer?.step).toBe(100);
    expect(r.schedule).toEqual({ kind: 'constant', lr: 'last' });
  });

  it('passes a fixed LR and a length to the schedule', async () => {
    const r = await fineTune.apply(rewindFixture(), resolveOptions(fineTune, { lr: 0.001, length: '5ep' }));
    expect(r.schedule).toEqual({ kind: 'constant', lr: 0.001, length: '5ep' });
  });

  it('validates lr and length, naming the field', () => {
    expect(() => resolveOptions(fineTune, { lr: -1 })).toThrow(/options\.lr/);
    expect(() => resolveOptions(fineTune, { length: '5 epochs' })).toThrow(
      /options\.length: expected a training length/,
    );
  });
});
