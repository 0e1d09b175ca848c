import { type SignMetric, z } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { flipFraction } from './flip-fraction.js';
import { builtinSignMetrics, createSignMetricRegistry } from './registry.js';
import { signInputs } from './sign-inputs.js';

describe('sign metric registry', () => {
  it('holds the built-ins, named after their files', () => {
    expect(builtinSignMetrics.map((m) => m.name)).toEqual(['flip-fraction', 'sign-agreement']);
    const registry = createSignMetricRegistry();
    expect(registry.names()).toEqual(['flip-fraction', 'sign-agreement']);
    expect(registry.get('flip-fraction')).toBe(flipFraction);
  });

  it('lists the known names for an unknown one', () => {
    expect(() => createSignMetricRegistry().get('flip-fractoin')).toThrow(
      /unknown sign metric 'flip-fractoin' \(did you mean 'flip-fraction'\?\); known: flip-fraction, sign-agreement/,
    );
  });

  it('takes a third-party metric without touching the built-in list', () => {
    const positiveShare: SignMetric<Record<string, never>> = {
      name: 'positive-share',
      description: "share of kept weights that are positive in 'b'",
      defaults: {},
      schema: z.object({}).strict(),
      compute(ctx) {
        const perLayer: Record<string, number> = {};
        for (const { name, b, mask } of signInputs(ctx)) {
          const kept = mask.reduce((s, m) => s + m, 0);
          perLayer[name] = kept ? b.filter((v, i) => mask[i] && v > 0).length / kept : 0;
        }
        return { value: 0, perLayer };
      },
    };
    const registry = createSignMetricRegistry().register(positiveShare);
    expect(registry.names()).toEqual(['flip-fraction', 'positive-share', 'sign-agreement']);
    expect(createSignMetricRegistry().has('positive-share')).toBe(false);
    expect(builtinSignMetrics).toHaveLength(2);
  });
});
