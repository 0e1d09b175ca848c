// A third party adds its own rewind policy without editing this package (README: "Adding a new
// rewind policy"): a plain object, registered on a registry instance, used from a plan, and
// checked by the conformance suite.
import { cloneWeights, type RewindPolicy, z } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { runRewindConformance } from './conformance.js';
import { rewindFixture } from './fixture.js';
import { composeRewind } from './plan.js';
import { createRewindRegistry } from './registry.js';
import { assertRewindContext, cloneOptimizerState } from './snapshot.js';
import { f32, values } from './test-utils.js';

type InterpolateOptions = { alpha: number };

/** θ ← (1 − α)·θ_trained + α·θ_k on every parameter; state and momentum kept; LR restarts. */
const interpolateRewind: RewindPolicy<InterpolateOptions> = {
  name: 'interpolate-rewind',
  description: 'weights ← (1 − alpha)·trained + alpha·anchor; LR restarts',
  defaults: { alpha: 0.5 },
  schema: z.strictObject({ alpha: z.number().min(0).max(1) }),
  apply(ctx, { alpha }) {
    assertRewindContext(ctx, "rewind policy 'interpolate-rewind'");
    const params = cloneWeights(ctx.trained.params);
    for (const [name, t] of params) {
      const a = ctx.anchor.params.get(name)!.data;
      for (let i = 0; i < t.data.length; i++) t.data[i] = (1 - alpha) * t.data[i]! + alpha * a[i]!;
    }
    return {
      weights: { params, state: cloneWeights(ctx.trained.state) },
      optimizer: cloneOptimizerState(ctx.optimizer.trained),
      schedule: { kind: 'restart', fromStep: 0 },
    };
  },
};

describe('a third-party rewind policy', () => {
  it('registers on a registry instance and composes with built-in modifiers', async () => {
    const policies = createRewindRegistry().register(interpolateRewind);
    expect(policies.names()).toContain('interpolate-rewind');
    const rewind = composeRewind(
      {
        policy: 'interpolate-rewind',
        options: { alpha: 0.5 },
        modifiers: [{ name: 'with-signs', options: { from: 'anchor' } }],
      },
      { policies },
    );
    const r = await rewind.apply(rewindFixture());
    // (trained [-1, 2, 0, -3] + anchor [0.5, -0.2, 0.1, 0.3]) / 2 = [-0.25, 0.9, 0.05, -1.35]
    // ⊙ sign(anchor) → [0.25, -0.9, 0.05, 1.35]
    const expected = [-0.25, 0.9, 0.05, -1.35].map(
      (x, i) => Math.abs(x) * Math.sign([0.5, -0.2, 0.1, 0.3][i]!),
    );
    values(r.weights.params, 'fc1.weight').forEach((x, i) => {
      expect(x).toBeCloseTo(expected[i]!, 6);
    });
    expect(values(r.weights.params, 'bn1.gamma')).toEqual(f32([(1.5 + 0.9) / 2, (0.5 + 1.1) / 2]));
    expect(() =>
      composeRewind({ policy: 'interpolate-rewind', options: { alpha: 2 } }, { policies }),
    ).toThrow(/rewind\.options\.alpha/);
  });
});

runRewindConformance(interpolateRewind, { describe, it, expect }, { options: { alpha: 0.25 } });
