import * as tf from '@tensorflow/tfjs-core';
import {
  isPruneError,
  Mask,
  type MaskContext,
  type MaskStrategy,
  type MaskTensor,
  resolveOptions,
} from '@prunekit/core';
import { targetKeepCount } from '../counts.js';

/**
 * The parts of a test framework the conformance suite uses (vitest's or jest's `describe`, `it`
 * and `expect` fit), passed in so this package does not depend on one at runtime.
 */
export interface ConformanceApi {
  describe(name: string, fn: () => void): unknown;
  it(name: string, fn: () => Promise<void>): unknown;
  expect(
    actual: unknown,
    message?: string,
  ): { toBe(expected: unknown): void; toEqual(expected: unknown): void };
}

/** One pruning problem for the conformance suite. */
export interface ConformanceCase {
  /** The context to prune in (fresh for every call: build the rng from the seed). */
  readonly ctx: MaskContext;
  /** Options as a user writes them; resolved with `resolveOptions` (default `{}`). */
  readonly options?: unknown;
  /** Weights the new mask must keep (default: `targetKeepCount(ctx.target, ctx.mask)`). */
  readonly expectedCount?: number;
  /** Free what the case made (e.g. a model); called after each check. */
  dispose?(): void;
}

/**
 * Builds a case. `round` is 1 or 2; for round 2, `mask` is the strategy's round-1 result and
 * must become `ctx.mask`.
 */
export type ConformanceFactory = (input: {
  readonly seed: number;
  readonly round: number;
  readonly mask?: Mask;
}) => ConformanceCase | Promise<ConformanceCase>;

/**
 * The checks every mask strategy must pass, as a test suite: a well-formed plugin, no tensor
 * leaks, the same mask for the same seed, a new mask inside the current one covering exactly the
 * prunable parameters, the exact kept count, masks that only shrink over two rounds, and `E_MASK`
 * for a current mask made for another model.
 *
 * @example
 * ```ts
 * import { describe, expect, it } from 'vitest';
 * runMaskStrategyConformance({ describe, it, expect }, myStrategy, ({ seed, mask }) => ({
 *   ctx: makeContext(seed, mask), options: {},
 * }));
 * ```
 */
export function runMaskStrategyConformance(
  api: ConformanceApi,
  strategy: MaskStrategy<unknown>,
  makeCase: ConformanceFactory,
): void {
  const { describe, it, expect } = api;
  const s = strategy;
  const prune = async (c: ConformanceCase): Promise<Mask> =>
    s.prune(c.ctx, resolveOptions(s, c.options ?? {}));
  const withCase = async (
    input: Parameters<ConformanceFactory>[0],
    fn: (c: ConformanceCase) => Promise<void>,
  ) => {
    const c = await makeCase(input);
    try {
      await fn(c);
    } finally {
      c.dispose?.();
    }
  };

  describe(`mask strategy '${s.name}' conformance`, () => {
    it('is a well-formed plugin whose options resolve', async () => {
      expect(/^[a-z0-9]+(-[a-z0-9]+)*$/.test(s.name), `name '${s.name}' is kebab-case`).toBe(true);
      expect(s.description.length > 0, 'has a description').toBe(true);
      await withCase({ seed: 1, round: 1 }, async (c) => {
        resolveOptions(s, c.options ?? {});
      });
    });

    it('leaves no tensors behind', async () => {
      await withCase({ seed: 1, round: 1 }, async (c) => {
        const before = tf.memory().numTensors;
        await prune(c);
        expect(tf.memory().numTensors - before, 'tensor growth').toBe(0);
      });
    });

    it('is deterministic under a seed', async () => {
      let first: Mask | undefined;
      await withCase({ seed: 7, round: 1 }, async (c) => {
        first = await prune(c);
      });
      await withCase({ seed: 7, round: 1 }, async (c) => {
        const again = await prune(c);
        expect(again.equals(first!), 'same seed, same mask').toBe(true);
      });
    });

    it('returns a mask inside the current one over exactly the prunable parameters, with the target count', async () => {
      await withCase({ seed: 3, round: 1 }, async (c) => {
        const next = await prune(c);
        const prunable = c.ctx.params.filter((p) => p.prunable).map((p) => p.name);
        expect([...next.names()].sort()).toEqual([...prunable].sort());
        expect(next.isSubsetOf(c.ctx.mask), 'new mask ⊆ current mask').toBe(true);
        expect(next.count(), 'kept count').toBe(c.expectedCount ?? targetKeepCount(c.ctx.target, c.ctx.mask));
      });
    });

    it('only shrinks masks over two rounds', async () => {
      let m1: Mask | undefined;
      await withCase({ seed: 5, round: 1 }, async (c) => {
        m1 = await prune(c);
      });
      await withCase({ seed: 5, round: 2, mask: m1! }, async (c) => {
        expect(c.ctx.mask.equals(m1!), 'the factory uses the given mask').toBe(true);
        const m2 = await prune(c);
        expect(m2.isSubsetOf(m1!), 'round-2 mask ⊆ round-1 mask').toBe(true);
        expect(m2.count(), 'round-2 kept count').toBe(
          c.expectedCount ?? targetKeepCount(c.ctx.target, c.ctx.mask),
        );
      });
    });

    it('rejects a current mask made for another model with E_MASK', async () => {
      await withCase({ seed: 1, round: 1 }, async (c) => {
        const extra: [string, MaskTensor] = [
          'conformance.extra.weight',
          { shape: [1], data: Uint8Array.of(1) },
        ];
        const bad = [
          new Mask([...c.ctx.mask.entries(), extra]),
          new Mask([...c.ctx.mask.entries()].slice(1)),
        ];
        for (const mask of bad) {
          let error: unknown;
          try {
            await s.prune({ ...c.ctx, mask }, resolveOptions(s, c.options ?? {}));
          } catch (e) {
            error = e;
          }
          expect(isPruneError(error, 'E_MASK'), `E_MASK, got ${String(error)}`).toBe(true);
        }
      });
    });
  });
}
