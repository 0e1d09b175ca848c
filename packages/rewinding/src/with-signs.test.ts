import { isPruneError, resolveOptions, type RewindResult } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { FIXTURE_LRR_RUN, rewindFixture } from './fixture.js';
import { lrRewind } from './lr-rewind.js';
import { f32, values } from './test-utils.js';
import { weightRewind } from './weight-rewind.js';
import { withSigns } from './with-signs.js';

const rewound = (ctx = rewindFixture()) =>
  weightRewind.apply(ctx, { at: '20it', replayFrom: 'start' }) as RewindResult;

describe('with-signs', () => {
  it('IMP with its own signs: |anchor| ⊙ sign(trained), a zero source keeps the policy sign', async () => {
    const ctx = rewindFixture();
    const r = await withSigns.modify(rewound(ctx), ctx, resolveOptions(withSigns, { from: 'trained' }));
    // anchor [0.5, -0.2, 0.1, 0.3], trained [-1, 2, 0, -3] → [-0.5, 0.2, 0.1 (sign(0): keep), -0.3]
    expect(values(r.weights.params, 'fc1.weight')).toEqual(f32([-0.5, 0.2, 0.1, -0.3]));
    // anchor [-0.7, 0.6, -0.5, 0.2], trained [0.8, -0.9, 1.2, -0.05] → [0.7, -0.6, 0.5, -0.2] (unmasked)
    expect(values(r.weights.params, 'fc2.weight')).toEqual(f32([0.7, -0.6, 0.5, -0.2]));
    // non-prunable params keep the policy's values: anchor bias [0.01, -0.02] vs trained [-0.2, -0.4]
    expect(values(r.weights.params, 'fc1.bias')).toEqual(f32([0.01, -0.02]));
    expect(values(r.weights.params, 'bn1.beta')).toEqual(f32([0.05, -0.05]));
    // state, optimizer and schedule pass through
    expect(values(r.weights.state, 'bn1.running_mean')).toEqual(f32([0.1, -0.1]));
    expect(r.optimizer?.step).toBe(20);
    expect(r.schedule).toEqual({ kind: 'restart', fromStep: 0 });
  });

  it("params: 'all' transfers signs to biases and BN params too", async () => {
    const ctx = rewindFixture();
    const r = await withSigns.modify(rewound(ctx), ctx, { from: 'trained', params: 'all' });
    // |anchor bias [0.01, -0.02]| ⊙ sign(trained [-0.2, -0.4]) = [-0.01, -0.02] (prunable only: [0.01, -0.02])
    expect(values(r.weights.params, 'fc1.bias')).toEqual(f32([-0.01, -0.02]));
    // |anchor gamma [0.9, 1.1]| ⊙ sign(trained [1.5, 0.5]) = [0.9, 1.1]
    expect(values(r.weights.params, 'bn1.gamma')).toEqual(f32([0.9, 1.1]));
    // LRR (trained values) with the signs of θ_k on every parameter:
    // |trained bias [-0.2, -0.4]| ⊙ sign(anchor [0.01, -0.02]) = [0.2, -0.4]
    const toAnchor = await withSigns.modify(await lrRewind.apply(ctx, {}), ctx, {
      from: 'anchor',
      params: 'all',
    });
    expect(values(toAnchor.weights.params, 'fc1.bias')).toEqual(f32([0.2, -0.4]));
    // with the signs of θ_0: init bias [0, 0] is a zero source, so the trained sign stays
    const toInit = await withSigns.modify(await lrRewind.apply(ctx, {}), ctx, {
      from: 'init',
      params: 'all',
    });
    expect(values(toInit.weights.params, 'fc1.bias')).toEqual(f32([-0.2, -0.4]));
    // init fc1 [0.4, -0.3, 0.2, -0.1] on trained [-1, 2, 0, -3] → [1, -2, 0, -3]
    expect(values(toInit.weights.params, 'fc1.weight')).toEqual(f32([1, -2, 0, -3]));
  });

  it('reads signs of another run at the current round, or at a given round', async () => {
    const ctx = rewindFixture({ round: 1 });
    const current = await withSigns.modify(rewound(ctx), ctx, {
      from: { run: FIXTURE_LRR_RUN },
      params: 'prunable',
    });
    // LRR round 1 fc1 [0.7, -0.4, -0.2, 0.6] → |[0.5, -0.2, 0.1, 0.3]| ⊙ sign = [0.5, -0.2, -0.1, 0.3]
    expect(values(current.weights.params, 'fc1.weight')).toEqual(f32([0.5, -0.2, -0.1, 0.3]));
    const round2 = await withSigns.modify(rewound(ctx), ctx, {
      from: { run: FIXTURE_LRR_RUN, round: 2, which: 'trained' },
      params: 'prunable',
    });
    // LRR round 2 fc1 [-0.6, 0.5, 0.3, -0.4] → [-0.5, 0.2, 0.1, -0.3]
    expect(values(round2.weights.params, 'fc1.weight')).toEqual(f32([-0.5, 0.2, 0.1, -0.3]));
  });

  it('fails clearly without a run resolver, and for a missing round', async () => {
    const { runs: _ignored, ...noRuns } = rewindFixture();
    await expect(
      withSigns.modify(rewound(), noRuns, { from: { run: 'runs/x' }, params: 'prunable' }),
    ).rejects.toThrow(/names the run 'runs\/x' but the runner gave no run resolver \(ctx\.runs\)/);
    await expect(
      withSigns.modify(rewound(), rewindFixture(), {
        from: { run: FIXTURE_LRR_RUN, round: 9 },
        params: 'prunable',
      }),
    ).rejects.toThrow(/has no round 9/);
  });

  it('rejects a sign source whose shapes do not match, naming it', async () => {
    const ctx = rewindFixture();
    const params = new Map(ctx.trained.params);
    params.set('fc2.weight', { shape: [2, 2], data: new Float32Array(4) });
    const bad = { ...ctx, trained: { params, state: ctx.trained.state } };
    const base = rewound();
    try {
      await withSigns.modify(base, bad, { from: 'trained', params: 'prunable' });
      expect.unreachable();
    } catch (e) {
      expect(isPruneError(e, 'E_SHAPE')).toBe(true);
      expect((e as Error).message).toContain(
        "ctx.trained.params 'fc2.weight' has shape [2, 2] but the model's is [4, 1]",
      );
    }
  });

  it('validates from, naming the field', () => {
    expect(() => resolveOptions(withSigns, { from: 'best' }, 'rewind.modifiers[0].options')).toThrow(
      /rewind\.modifiers\[0\]\.options\.from/,
    );
    expect(() => resolveOptions(withSigns, { from: { run: '' } })).toThrow(/options\.from/);
  });
});
