import type { RewindResult } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { FIXTURE_LRR_RUN, rewindFixture } from './fixture.js';
import {
  impPlan,
  impShuffledMagnitudesPlan,
  impWithLrrSignsPlan,
  impWithOwnSignsPlan,
  lrrInitialSignsPlan,
  paperVariants,
  randomReinitPlan,
} from './paper.js';
import { composeRewind } from './plan.js';
import { f32, values } from './test-utils.js';

const apply = (plan: Parameters<typeof composeRewind>[0], ctx = rewindFixture()): Promise<RewindResult> =>
  composeRewind(plan).apply(ctx);

describe('the paper compositions', () => {
  it('IMP with LRR signs: |θ_k| ⊙ sign(θ_LRR at this round)', async () => {
    const plan = impWithLrrSignsPlan({ run: FIXTURE_LRR_RUN, at: '20it' });
    const r1 = await apply(plan, rewindFixture({ round: 1 }));
    // |[0.5, -0.2, 0.1, 0.3]| ⊙ sign([0.7, -0.4, -0.2, 0.6]) = [0.5, -0.2, -0.1, 0.3]
    expect(values(r1.weights.params, 'fc1.weight')).toEqual(f32([0.5, -0.2, -0.1, 0.3]));
    // |[-0.7, 0.6, -0.5, 0.2]| ⊙ sign([-0.3, -0.8, 0.9, 0]) = [-0.7, -0.6, 0.5, 0.2 (keep)] → mask [1,1,1,0]
    expect(values(r1.weights.params, 'fc2.weight')).toEqual(f32([-0.7, -0.6, 0.5, 0]));
    // everything else as IMP
    expect(values(r1.weights.params, 'bn1.gamma')).toEqual(f32([0.9, 1.1]));
    expect(values(r1.weights.state, 'bn1.running_mean')).toEqual(f32([0.1, -0.1]));
    expect(r1.optimizer?.step).toBe(20);
    expect(r1.schedule).toEqual({ kind: 'restart', fromStep: 0 });
    const r2 = await apply(plan, rewindFixture({ round: 2 }));
    // round 2 of LRR: fc1 [-0.6, 0.5, 0.3, -0.4], fc2 [0.2, 0.7, -0.8, 0]
    expect(values(r2.weights.params, 'fc1.weight')).toEqual(f32([-0.5, 0.2, 0.1, -0.3]));
    expect(values(r2.weights.params, 'fc2.weight')).toEqual(f32([0.7, 0.6, -0.5, 0]));
  });

  it('IMP with its own learned signs: |θ_k| ⊙ sign(θ_trained)', async () => {
    const r = await apply(impWithOwnSignsPlan({ at: '20it' }));
    expect(values(r.weights.params, 'fc1.weight')).toEqual(f32([-0.5, 0.2, 0.1, -0.3]));
    expect(values(r.weights.params, 'fc2.weight')).toEqual(f32([0.7, -0.6, 0.5, 0]));
    expect(values(r.weights.params, 'fc1.bias')).toEqual(f32([0.01, -0.02]));
  });

  it('… with shuffled magnitudes: shuffle_layer(|θ_k|) ⊙ sign(θ_trained)', async () => {
    const plan = impShuffledMagnitudesPlan({ at: '20it' });
    const r = await apply(plan, rewindFixture({ seed: 11 }));
    const fc1 = values(r.weights.params, 'fc1.weight');
    const fc2 = values(r.weights.params, 'fc2.weight');
    // magnitudes of θ_k within each layer, among survivors
    expect(fc1.map(Math.abs).sort()).toEqual(f32([0.1, 0.2, 0.3, 0.5]).sort());
    expect(fc2.slice(0, 3).map(Math.abs).sort()).toEqual(f32([0.5, 0.6, 0.7]).sort());
    expect(fc2[3]).toBe(0);
    // signs of θ_trained = [-1, 2, 0, -3]; where trained is 0 the anchor's sign (+0.1) stays
    expect(fc1.map(Math.sign)).toEqual([-1, 1, 1, -1]);
    // trained fc2 [0.8, -0.9, 1.2, ·]
    expect(fc2.slice(0, 3).map(Math.sign)).toEqual([1, -1, 1]);
    // deterministic under the rewind seed
    expect(values((await apply(plan, rewindFixture({ seed: 11 }))).weights.params, 'fc1.weight')).toEqual(
      fc1,
    );
  });

  it('LRR forced back to initial signs: |θ_trained| ⊙ sign(θ_k)', async () => {
    const r = await apply(lrrInitialSignsPlan());
    // |[-1, 2, 0, -3]| ⊙ sign([0.5, -0.2, 0.1, 0.3]) = [1, -2, 0, 3]
    expect(values(r.weights.params, 'fc1.weight')).toEqual(f32([1, -2, 0, 3]));
    // |[0.8, -0.9, 1.2, -0.05]| ⊙ sign([-0.7, 0.6, -0.5, 0.2]) = [-0.8, 0.9, -1.2, 0.05] → mask
    expect(values(r.weights.params, 'fc2.weight')).toEqual(f32([-0.8, 0.9, -1.2, 0]));
    // everything else as LRR: trained BN, momentum (masked), restart at 0
    expect(values(r.weights.params, 'bn1.gamma')).toEqual(f32([1.5, 0.5]));
    expect(values(r.optimizer!.slots, 'fc2.weight/momentum')).toEqual(f32([0.5, -0.5, 0.25, 0]));
    expect(r.schedule).toEqual({ kind: 'restart', fromStep: 0 });
  });

  it('random reinit: a fresh seeded init under the mask, IMP schedule and optimizer', async () => {
    const ctx = rewindFixture();
    const r = await apply(randomReinitPlan({ at: '20it', seed: 5 }), ctx);
    const fresh = values(ctx.initialize!(5).params, 'fc2.weight');
    expect(values(r.weights.params, 'fc2.weight')).toEqual([fresh[0], fresh[1], fresh[2], 0]);
    expect(r.optimizer?.step).toBe(20);
  });

  it('maps every row of the paper table to registered built-ins', () => {
    const rows = paperVariants({ lrrRun: 'runs/lrr', impRun: 'runs/imp' });
    expect(rows.map((r) => r.name)).toEqual([
      'IMP (weight rewinding)',
      'LRR',
      'LRR + BN rewind',
      'fine-tuning (FT)',
      'IMP with the LRR mask',
      'LRR with the IMP mask',
      'random mask, matched layer-wise density',
      'random mask, ERK / uniform / balanced',
      'IMP with LRR signs',
      'IMP with its own learned signs',
      '… with shuffled magnitudes',
      'LRR forced back to initial signs',
      'sign perturbation',
      'fixed-sign training',
    ]);
    const masks = new Set([
      'magnitude-global',
      'from-run',
      'random-matched',
      'random-erk',
      'random-uniform',
      'random-balanced',
    ]);
    for (const row of rows) {
      expect(row.masks.every((m) => masks.has(m))).toBe(true);
      expect(row.rewind.length).toBeGreaterThan(0);
      for (const plan of row.rewind) expect(() => composeRewind(plan)).not.toThrow();
      if (row.signs !== undefined) expect(['perturbSigns', 'fixedSignProjection']).toContain(row.signs);
    }
    expect(composeRewind(rows[0]!.rewind[0]!).plan).toEqual(composeRewind(impPlan({ at: '10ep' })).plan);
  });
});
