import { type SignMetric, z } from '@prunekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { conformanceFixture, runSignMetricConformance } from './conformance.js';
import { flipFraction } from './flip-fraction.js';
import { builtinSignMetrics, createSignMetricRegistry } from './registry.js';
import { signAgreement } from './sign-agreement.js';
import { signInputs } from './sign-inputs.js';

for (const metric of builtinSignMetrics) runSignMetricConformance(metric, describe, it, expect);
runSignMetricConformance(signAgreement, describe, it, expect, { options: { weightBy: 'a' } });
runSignMetricConformance(signAgreement, describe, it, expect, { options: { weightBy: 'b' } });

// The third-party example of the README ("Adding a new sign metric").
const directedFlips: SignMetric<{ readonly direction: 'to-positive' | 'to-negative' }> = {
  name: 'directed-flips',
  description: 'fraction of kept weights that flipped in one direction',
  defaults: { direction: 'to-positive' },
  schema: z.object({ direction: z.enum(['to-positive', 'to-negative']) }).strict(),
  compute(ctx, { direction }) {
    const perLayer: Record<string, number> = {};
    let hit = 0;
    let kept = 0;
    for (const { name, a, b, mask } of signInputs(ctx)) {
      let h = 0;
      let k = 0;
      for (let i = 0; i < mask.length; i++) {
        if (!mask[i]) continue;
        k++;
        if (direction === 'to-positive' ? a[i]! < 0 && b[i]! > 0 : a[i]! > 0 && b[i]! < 0) h++;
      }
      perLayer[name] = k ? h / k : 0;
      hit += h;
      kept += k;
    }
    return { value: kept ? hit / kept : 0, perLayer };
  },
};
runSignMetricConformance(directedFlips, describe, it, expect, {
  options: { direction: 'to-negative' },
});

describe('a third-party metric', () => {
  it('registers and computes next to the built-ins', () => {
    const metrics = createSignMetricRegistry().register(directedFlips);
    const ctx = conformanceFixture();
    const up = metrics.get('directed-flips').compute(ctx, { direction: 'to-positive' }).value;
    const down = metrics.get('directed-flips').compute(ctx, { direction: 'to-negative' }).value;
    const all = flipFraction.compute(ctx, {}).value;
    // Flips between two non-zero values are either up or down; flips involving a zero are neither.
    expect(up + down).toBeLessThanOrEqual(all);
    expect(up + down).toBeGreaterThan(0);
  });
});

describe('runSignMetricConformance catches broken metrics', () => {
  // Run the suite with a collecting `it`, and report which cases fail.
  async function failingCases(metric: SignMetric): Promise<string[]> {
    const cases: [string, () => void | Promise<void>][] = [];
    runSignMetricConformance(
      metric,
      (_name, body) => body(),
      (name, body) => cases.push([name, body]),
      expect,
    );
    const failed: string[] = [];
    for (const [name, body] of cases) {
      try {
        await body();
      } catch {
        failed.push(name);
      }
    }
    return failed;
  }
  const base = { description: 'broken on purpose', defaults: {}, schema: z.object({}).strict() };

  it('passes the built-ins', async () => {
    for (const metric of builtinSignMetrics) expect(await failingCases(metric)).toEqual([]);
  });

  it('fails a metric that ignores the mask and does not validate its inputs', async () => {
    const careless: SignMetric = {
      ...base,
      name: 'careless',
      compute(ctx) {
        const perLayer: Record<string, number> = {};
        for (const name of ctx.mask.names()) {
          const a = ctx.a.get(name)?.data ?? new Float32Array();
          const b = ctx.b.get(name)?.data ?? new Float32Array();
          perLayer[name] = a.length
            ? a.filter((v, i) => Math.sign(v) !== Math.sign(b[i] ?? 0)).length / a.length
            : 0;
        }
        return { value: 0, perLayer };
      },
    };
    expect(await failingCases(careless)).toEqual([
      'ignores masked-out weights and unmasked parameters',
      "throws E_SHAPE naming the parameter when 'a' or 'b' lacks it or has another shape",
      'throws E_MASK naming the parameter when the mask does not fit the params',
    ]);
  });

  it('fails a metric that leaks tensors or leaves [0, 1]', async () => {
    const leaked: tf.Tensor[] = [];
    const leaky: SignMetric = {
      ...base,
      name: 'leaky',
      compute(ctx) {
        leaked.push(tf.scalar(1));
        return flipFraction.compute(ctx, {});
      },
    };
    expect(await failingCases(leaky)).toEqual(['leaks no tensors']);
    tf.dispose(leaked);
    const unbounded: SignMetric = {
      ...base,
      name: 'unbounded',
      compute: (ctx) => ({ ...flipFraction.compute(ctx, {}), value: 2 }),
    };
    expect(await failingCases(unbounded)).toEqual([
      'reports finite values in [0, 1], overall and for every masked parameter',
    ]);
  });
});
