import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '@prunekit/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { initNeuron, runNeuronStudy } from './neuron-study.js';
import { tempDir } from './testing/fixtures.js';

const out = tempDir('pk-neuron-');
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('runNeuronStudy (one hidden neuron, PAPER.md "The theory experiment")', () => {
  const result = runNeuronStudy({ dims: [1, 3], seeds: 20 }, out);
  const rate = (d: number, method: 'imp' | 'lrr') =>
    result.rates.find((r) => r.d === d && r.method === method)!.successRate;

  it('writes neuron-study.json (options and rates) and neuron-study.csv (one row per seed and method)', () => {
    const json = JSON.parse(readFileSync(join(out, 'neuron-study.json'), 'utf8'));
    expect(json.options).toMatchObject({ dims: [1, 3], seeds: 20, init: 'balanced', input: 'uniform' });
    expect(json.rates).toEqual(result.rates);
    expect(json.rates.map((r: { d: number; method: string; n: number }) => [r.d, r.method, r.n])).toEqual([
      [1, 'imp', 20],
      [1, 'lrr', 20],
      [3, 'imp', 20],
      [3, 'lrr', 20],
    ]);
    const lines = readFileSync(join(out, 'neuron-study.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'd,seed,method,sign_w1_init,sign_w1_dense,sign_w1_end,sign_a_init,sign_a_end,test_mse,success',
    );
    expect(lines).toHaveLength(1 + 2 * 20 * 2);
    expect(lines[1]).toMatch(/^1,0,imp,-?1,-?1,-?[01],-?1,-?[01],[0-9.e+-]+,[01]$/);
  });

  it('d = 1: IMP and LRR succeed on exactly the same seeds', () => {
    // With d = 1 the pruning mask keeps w₁, the only coordinate: the mask is all ones. IMP resets
    // to (a(0), w₁(0)) and retrains, which replays the dense run exactly; LRR keeps training from
    // where the dense run ended. In one dimension the outcome is fixed by the initial signs (a
    // neuron with w₁ < 0 is dead on the target's active half, and under balanced init a cannot
    // change sign), so more steps cannot rescue a failed seed, and both methods succeed or fail
    // together: equal rates.
    expect(rate(1, 'imp')).toBe(rate(1, 'lrr'));
    for (let s = 0; s < 20; s++) {
      const imp = result.trials.find((t) => t.d === 1 && t.seed === s && t.method === 'imp')!;
      const lrr = result.trials.find((t) => t.d === 1 && t.seed === s && t.method === 'lrr')!;
      expect(lrr.success, `seed ${s}`).toBe(imp.success);
      // balanced init: success exactly when w₁(0) > 0 and a(0) > 0
      expect(imp.success, `seed ${s}`).toBe(imp.signInit === 1 && imp.aInit === 1);
    }
    expect(rate(1, 'imp')).toBeGreaterThan(0);
    expect(rate(1, 'imp')).toBeLessThan(1);
  });

  it('d > 1: LRR succeeds at least as often as IMP, because it keeps the sign learned densely', () => {
    expect(rate(3, 'lrr')).toBeGreaterThanOrEqual(rate(3, 'imp'));
    expect(rate(3, 'lrr')).toBeGreaterThan(rate(3, 'imp')); // clearly above (0.65 vs 0.15 here)
    for (const t of result.trials.filter((x) => x.d === 3 && x.success)) {
      // after pruning to w₁ the neuron needs w₁ > 0: IMP gets it from init, LRR from dense training
      expect(t.method === 'imp' ? t.signInit : t.signDense, `seed ${t.seed} ${t.method}`).toBe(1);
      expect(t.signEnd).toBe(1);
    }
    // some seeds start with w₁ < 0, get the sign right while dense, and only LRR keeps it
    expect(result.trials.some((t) => t.d === 3 && t.method === 'lrr' && t.success && t.signInit === -1)).toBe(
      true,
    );
  });

  it('records the signs of w₁ and a at init, after dense training and at the end', () => {
    for (const t of result.trials) {
      for (const v of [t.signInit, t.signDense, t.aInit]) expect([-1, 1]).toContain(v);
      expect([-1, 0, 1]).toContain(t.signEnd);
      expect(t.success).toBe(t.testMse < 1e-3);
    }
    // IMP and LRR of one seed share the init and the dense run
    const imp = result.trials.filter((t) => t.method === 'imp');
    const lrr = result.trials.filter((t) => t.method === 'lrr');
    expect(imp.map((t) => [t.d, t.seed, t.signInit, t.signDense, t.aInit])).toEqual(
      lrr.map((t) => [t.d, t.seed, t.signInit, t.signDense, t.aInit]),
    );
  });

  it('is deterministic', () => {
    expect(runNeuronStudy({ dims: [3], seeds: 4, steps: 200 })).toEqual(
      runNeuronStudy({ dims: [3], seeds: 4, steps: 200 }),
    );
  });

  it('rejects bad options naming the field', () => {
    expect(() => runNeuronStudy({ dims: [] })).toThrow(/dims/);
    expect(() => runNeuronStudy({ seeds: 0 })).toThrow(/seeds/);
  });
});

describe('initNeuron', () => {
  it('balanced: |a(0)| = ‖w(0)‖', () => {
    for (let s = 0; s < 10; s++) {
      const { a, w } = initNeuron(createRng(s), 4, 'balanced');
      expect(Math.abs(a)).toBeCloseTo(Math.hypot(...w), 12);
    }
  });

  it('standard: w ~ N(0, 1/d), so ‖w‖² averages about 1', () => {
    let sum = 0;
    for (let s = 0; s < 400; s++) sum += Math.hypot(...initNeuron(createRng(s), 8, 'standard').w) ** 2;
    expect(sum / 400).toBeGreaterThan(0.85);
    expect(sum / 400).toBeLessThan(1.15);
  });
});
