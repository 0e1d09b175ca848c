import * as tf from '@tensorflow/tfjs-core';
import {
  cloneWeights,
  isPruneError,
  Mask,
  type ParamInfo,
  type PruneErrorCode,
  resolveOptions,
  type SignMetric,
  type SignMetricContext,
  type Weights,
} from '@prunekit/core';
import { createRng } from '@prunekit/tensor';

/** `describe` of the test runner (vitest, jest, mocha + chai all fit). */
export type ConformanceDescribe = (name: string, body: () => void) => void;
/** `it` / `test` of the test runner. */
export type ConformanceIt = (name: string, body: () => void | Promise<void>) => void;
/** The few matchers the suite uses; vitest's and jest's `expect` fit. */
export type ConformanceExpect = (actual: unknown) => {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeGreaterThanOrEqual(expected: number): void;
  toBeLessThanOrEqual(expected: number): void;
};

/** Options of {@link runSignMetricConformance}. */
export interface SignMetricConformanceOptions {
  /** Options passed to the metric (merged over its defaults and validated). Default `{}`. */
  readonly options?: unknown;
}

/**
 * The parameters, weights and mask the conformance suite runs on: two prunable layers with a few
 * exact zeros and pruned entries, one fully pruned layer, and a non-prunable bias. Exported so a
 * metric's own tests can reuse it. A fresh copy each call.
 *
 * @example
 * ```ts
 * const { params, a, b, mask } = conformanceFixture();
 * flipFraction.compute({ params, a, b, mask }, {});
 * ```
 */
export function conformanceFixture(): SignMetricContext & { readonly a: Weights; readonly b: Weights } {
  const params: ParamInfo[] = [
    { name: 'l1.weight', shape: [3, 4], prunable: true, role: 'weight', layer: 'l1', layerKind: 'dense' },
    { name: 'l1.bias', shape: [4], prunable: false, role: 'bias', layer: 'l1', layerKind: 'dense' },
    { name: 'l2.weight', shape: [4, 2], prunable: true, role: 'weight', layer: 'l2', layerKind: 'dense' },
    { name: 'l3.weight', shape: [2, 2], prunable: true, role: 'weight', layer: 'l3', layerKind: 'dense' },
  ];
  const rng = createRng('sign-metric-conformance');
  const draw = (p: ParamInfo, zeros: number[]) => {
    const n = p.shape.reduce((s, d) => s * d, 1);
    const data = Float32Array.from({ length: n }, () => rng.normal());
    for (const i of zeros) data[i] = 0;
    return [p.name, { shape: [...p.shape], data }] as const;
  };
  const a: Weights = new Map(params.map((p) => draw(p, p.name === 'l1.weight' ? [0, 5] : [])));
  const b: Weights = new Map(
    params.map((p) => draw(p, p.name === 'l1.weight' ? [0, 7] : p.name === 'l2.weight' ? [3] : [])),
  );
  const mask = Mask.fromRecord({
    'l1.weight': { shape: [3, 4], data: [1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1] },
    'l2.weight': { shape: [4, 2], data: [1, 0, 1, 1, 0, 1, 1, 1] },
    'l3.weight': { shape: [2, 2], data: [0, 0, 0, 0] },
  });
  return { params, a, b, mask };
}

/**
 * The contract every sign metric must keep, as a test suite for any runner: a well-formed plugin,
 * values in [0, 1] overall and for every masked parameter, deterministic, no mutation of its inputs,
 * no tensor leaks, blind to masked-out weights and unmasked parameters, and clear errors (`E_SHAPE`
 * / `E_MASK` naming the parameter) when the names or shapes of `a`, `b` and the mask disagree.
 * Every built-in passes it; run it on your own metric too.
 *
 * @example
 * ```ts
 * import { describe, expect, it } from 'vitest';
 * runSignMetricConformance(myMetric, describe, it, expect);
 * ```
 */
export function runSignMetricConformance(
  metric: SignMetric,
  describe: ConformanceDescribe,
  it: ConformanceIt,
  expect: ConformanceExpect,
  conformance: SignMetricConformanceOptions = {},
): void {
  describe(`sign metric '${metric.name}' conformance`, () => {
    const options = () => resolveOptions(metric, conformance.options ?? {});
    const compute = (ctx: SignMetricContext) => metric.compute(ctx, options());

    it('is a well-formed plugin', () => {
      expect(/^[a-z0-9]+(-[a-z0-9]+)*$/.test(metric.name)).toBe(true);
      expect(typeof metric.description === 'string' && metric.description.length > 0).toBe(true);
      expect(typeof metric.compute).toBe('function');
      // Defaults must pass the metric's own schema.
      expect(resolveOptions(metric, {})).toEqual(resolveOptions(metric, metric.defaults));
    });

    it('reports finite values in [0, 1], overall and for every masked parameter', () => {
      const ctx = conformanceFixture();
      const r = compute(ctx);
      expect(Object.keys(r.perLayer).sort()).toEqual(ctx.mask.names().sort());
      for (const v of [r.value, ...Object.values(r.perLayer)]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      for (const v of Object.values(r.details ?? {})) expect(Number.isFinite(v)).toBe(true);
    });

    it('is deterministic and does not mutate its inputs', () => {
      const ctx = conformanceFixture();
      const a = cloneWeights(ctx.a);
      const b = cloneWeights(ctx.b);
      const first = compute(ctx);
      expect(compute(ctx)).toEqual(first);
      expect(compute(conformanceFixture())).toEqual(first);
      expect(ctx.a).toEqual(a);
      expect(ctx.b).toEqual(b);
    });

    it('leaks no tensors', () => {
      const ctx = conformanceFixture();
      const before = tf.memory().numTensors;
      compute(ctx);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('ignores masked-out weights and unmasked parameters', () => {
      const ctx = conformanceFixture();
      const reference = compute(ctx);
      const a = cloneWeights(ctx.a);
      const b = cloneWeights(ctx.b);
      for (const [name, m] of ctx.mask.entries()) {
        m.data.forEach((keep, i) => {
          if (keep) return;
          a.get(name)!.data[i] = 1000 + i;
          b.get(name)!.data[i] = -1000 - i;
        });
      }
      a.get('l1.bias')!.data.fill(-3);
      b.get('l1.bias')!.data.fill(3);
      expect(compute({ ...ctx, a, b })).toEqual(reference);
    });

    const expectError = (fn: () => unknown, code: PruneErrorCode, name: string) => {
      let caught: unknown;
      try {
        fn();
      } catch (error) {
        caught = error;
      }
      expect(isPruneError(caught) ? caught.code : `no PruneError (${String(caught)})`).toBe(code);
      expect(caught instanceof Error && caught.message.includes(name)).toBe(true);
    };

    it("throws E_SHAPE naming the parameter when 'a' or 'b' lacks it or has another shape", () => {
      const ctx = conformanceFixture();
      const a = cloneWeights(ctx.a);
      a.delete('l2.weight');
      expectError(() => compute({ ...ctx, a }), 'E_SHAPE', 'l2.weight');
      const b = cloneWeights(ctx.b);
      b.set('l1.weight', { shape: [4, 3], data: new Float32Array(12) });
      expectError(() => compute({ ...ctx, b }), 'E_SHAPE', 'l1.weight');
    });

    it('throws E_MASK naming the parameter when the mask does not fit the params', () => {
      const ctx = conformanceFixture();
      const partial = new Mask([...ctx.mask.entries()].filter(([name]) => name !== 'l3.weight'));
      expectError(() => compute({ ...ctx, mask: partial }), 'E_MASK', 'l3.weight');
      const reshaped = new Mask(
        [...ctx.mask.entries()].map(([name, m]) => [
          name,
          name === 'l2.weight' ? { shape: [8], data: m.data } : m,
        ]),
      );
      expectError(() => compute({ ...ctx, mask: reshaped }), 'E_MASK', 'l2.weight');
    });
  });
}
