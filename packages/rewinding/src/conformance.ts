import {
  type HostTensor,
  isPruneError,
  type ModelSnapshot,
  type OptimizerState,
  resolveOptions,
  type RewindContext,
  type RewindModifier,
  type RewindPolicy,
  type RewindResult,
  sizeOf,
  type Weights,
} from '@prunekit/core';
import { tensorGrowth } from '@prunekit/tensor';
import { rewindFixture } from './fixture.js';
import { cloneOptimizerState, cloneSnapshot } from './snapshot.js';

/** The assertions the suite uses; vitest's (or jest's) `expect` fits. */
export type ConformanceExpect = (actual: unknown) => {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toContain(item: unknown): void;
};

/** The test API the suite registers its cases with: pass vitest's `describe`, `it`, `expect`. */
export interface ConformanceApi {
  readonly describe: (name: string, fn: () => void) => unknown;
  readonly it: (name: string, fn: () => Promise<void>) => unknown;
  readonly expect: ConformanceExpect;
}

/** Options of {@link runRewindConformance}. */
export interface RewindConformanceOptions {
  /** Options for the plugin (merged over its defaults). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Builds the context for a seed; default {@link rewindFixture}. Must return fresh data per call. */
  readonly context?: (seed: number) => RewindContext;
  /** For modifiers: the result they modify; default: the trained weights and optimizer, LR restart. */
  readonly base?: (ctx: RewindContext) => RewindResult;
  /** Label appended to the suite name (to run one plugin with several option sets). */
  readonly label?: string;
}

/**
 * The contract every rewind policy and modifier passes, as a test suite. Pass the test API so
 * this package has no runtime dependency on vitest. It checks that the plugin
 * - has a name, a description and defaults its schema accepts;
 * - returns weights with the model's names and shapes (params and state), a valid schedule, and
 *   optimizer slots that fit their parameters;
 * - does not mutate its inputs (`ctx` snapshots, optimizer states, mask; a modifier's incoming
 *   result) and returns fresh buffers (none shared with the inputs);
 * - is deterministic under the seed (two contexts with the same seed give identical results);
 * - leaves no tensors behind (`tf.memory().numTensors` unchanged);
 * - rejects mismatched names and shapes with `E_SHAPE`, naming the parameter.
 *
 * @example
 * ```ts
 * import { describe, expect, it } from 'vitest';
 * runRewindConformance(myPolicy, { describe, it, expect }, { options: { strength: 0.5 } });
 * ```
 */
export function runRewindConformance(
  plugin: RewindPolicy | RewindModifier,
  api: ConformanceApi,
  options: RewindConformanceOptions = {},
): void {
  const { describe, it, expect } = api;
  const isPolicy = 'apply' in plugin && typeof plugin.apply === 'function';
  const kind = isPolicy ? 'rewind policy' : 'rewind modifier';
  const makeContext = options.context ?? ((seed: number) => rewindFixture({ seed }));
  const makeBase = options.base ?? keepTrained;
  const run = async (ctx: RewindContext, base?: RewindResult): Promise<RewindResult> => {
    const opts = resolveOptions(plugin, options.options, 'options');
    if (isPolicy) return (plugin as RewindPolicy).apply(ctx, opts);
    return (plugin as RewindModifier).modify(base ?? makeBase(ctx), ctx, opts);
  };

  describe(`${kind} '${plugin.name}' conformance${options.label ? ` (${options.label})` : ''}`, () => {
    it('has a name, a description and defaults its schema accepts', async () => {
      expect(/^[a-z0-9]+(-[a-z0-9]+)*$/.test(plugin.name)).toBe(true);
      expect(typeof plugin.description === 'string' && plugin.description.length > 0).toBe(true);
      expect(plugin.schema.safeParse(plugin.defaults).success).toBe(true);
    });

    it("returns weights with the model's names and shapes", async () => {
      const ctx = makeContext(1);
      const result = await run(ctx);
      expect(layout(result.weights.params)).toEqual(ctx.params.map((p) => [p.name, [...p.shape]]));
      expect(sortedLayout(result.weights.state)).toEqual(sortedLayout(ctx.trained.state));
      const s = result.schedule;
      const validSchedule =
        (s.kind === 'restart' && Number.isInteger(s.fromStep) && s.fromStep >= 0) ||
        (s.kind === 'constant' && (s.lr === 'last' || (typeof s.lr === 'number' && s.lr > 0)));
      expect(validSchedule).toBe(true);
      if (result.optimizer !== null) {
        const sizes = new Map(ctx.params.map((p) => [p.name, sizeOf(p.shape)]));
        const bad = [...result.optimizer.slots]
          .filter(([key, t]) => {
            const param = key.slice(0, Math.max(0, key.lastIndexOf('/')));
            const n = sizes.get(param);
            return n !== undefined && t.data.length !== n;
          })
          .map(([key]) => key);
        expect(bad).toEqual([]);
      }
    });

    it('does not mutate its inputs and returns fresh buffers', async () => {
      const ctx = makeContext(2);
      const base = isPolicy ? undefined : makeBase(ctx);
      const before = fingerprint(ctx, base);
      const result = await run(ctx, base);
      expect(changedEntries(before, fingerprint(ctx, base))).toEqual([]);
      const inputs = new Set<ArrayBufferLike>();
      for (const t of inputTensors(ctx, base)) inputs.add(t.data.buffer);
      const shared = outputTensors(result)
        .filter(([, t]) => inputs.has(t.data.buffer))
        .map(([name]) => name);
      expect(shared).toEqual([]);
    });

    it('is deterministic under the seed', async () => {
      const a = await run(makeContext(3));
      const b = await run(makeContext(3));
      expect(serialize(a)).toEqual(serialize(b));
    });

    it('leaves no tensors behind', async () => {
      const ctx = makeContext(4);
      await run(ctx); // warm-up: backends may allocate once
      expect(await tensorGrowth(() => run(makeContext(4)))).toBe(0);
    });

    it('rejects a snapshot that lacks a parameter, naming it', async () => {
      const ctx = makeContext(5);
      const victim = lastPrunable(ctx);
      let error: unknown;
      if (isPolicy) {
        const params = new Map(ctx.trained.params);
        params.delete(victim);
        error = await errorOf(() => run({ ...ctx, trained: { params, state: ctx.trained.state } }));
      } else {
        const base = makeBase(ctx);
        const params = new Map(base.weights.params);
        params.delete(victim);
        error = await errorOf(() => run(ctx, { ...base, weights: { params, state: base.weights.state } }));
      }
      expect(isPruneError(error) ? error.code : String(error)).toBe('E_SHAPE');
      expect(error instanceof Error ? error.message : '').toContain(`'${victim}'`);
    });

    it('rejects a shape mismatch, naming the parameter', async () => {
      const ctx = makeContext(6);
      const victim = lastPrunable(ctx);
      const reshape = (w: Weights): Weights => {
        const out = new Map(w);
        const t = w.get(victim)!;
        const shape = t.shape.length > 1 ? [sizeOf(t.shape)] : [1, sizeOf(t.shape)];
        out.set(victim, { shape, data: t.data.slice() });
        return out;
      };
      let error: unknown;
      if (isPolicy) {
        error = await errorOf(() =>
          run({ ...ctx, trained: { params: reshape(ctx.trained.params), state: ctx.trained.state } }),
        );
      } else {
        const base = makeBase(ctx);
        error = await errorOf(() =>
          run(ctx, { ...base, weights: { params: reshape(base.weights.params), state: base.weights.state } }),
        );
      }
      expect(isPruneError(error) ? error.code : String(error)).toBe('E_SHAPE');
      expect(error instanceof Error ? error.message : '').toContain(`'${victim}'`);
    });
  });
}

/** The default result a modifier is tested on: trained weights and optimizer, LR restart. */
function keepTrained(ctx: RewindContext): RewindResult {
  return {
    weights: cloneSnapshot(ctx.trained),
    optimizer: cloneOptimizerState(ctx.optimizer.trained),
    schedule: { kind: 'restart', fromStep: 0 },
  };
}

function lastPrunable(ctx: RewindContext): string {
  const prunable = ctx.params.filter((p) => p.prunable);
  return (prunable[prunable.length - 1] ?? ctx.params[ctx.params.length - 1]!).name;
}

async function errorOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return new Error('no error was thrown');
}

function layout(w: ReadonlyMap<string, HostTensor>): [string, number[]][] {
  return [...w].map(([k, t]) => [k, [...t.shape]]);
}

function sortedLayout(w: ReadonlyMap<string, HostTensor>): [string, number[]][] {
  return layout(w).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function* snapshotTensors(label: string, s: ModelSnapshot): Generator<[string, HostTensor]> {
  for (const [k, t] of s.params) yield [`${label}.params.${k}`, t];
  for (const [k, t] of s.state) yield [`${label}.state.${k}`, t];
}

function* optimizerTensors(label: string, o: OptimizerState | null): Generator<[string, HostTensor]> {
  if (o) for (const [k, t] of o.slots) yield [`${label}.slots.${k}`, t];
}

function inputTensors(ctx: RewindContext, base?: RewindResult): HostTensor[] {
  const all: [string, HostTensor][] = [
    ...snapshotTensors('trained', ctx.trained),
    ...snapshotTensors('anchor', ctx.anchor),
    ...snapshotTensors('init', ctx.init),
    ...optimizerTensors('optimizer.trained', ctx.optimizer.trained),
    ...optimizerTensors('optimizer.anchor', ctx.optimizer.anchor),
  ];
  if (base)
    all.push(...snapshotTensors('base', base.weights), ...optimizerTensors('base.optimizer', base.optimizer));
  return all.map(([, t]) => t);
}

function outputTensors(result: RewindResult): [string, HostTensor][] {
  return [
    ...snapshotTensors('result.weights', result.weights),
    ...optimizerTensors('result.optimizer', result.optimizer),
  ];
}

/** Copies of every input value, keyed by where it lives. */
function fingerprint(ctx: RewindContext, base?: RewindResult): Map<string, string> {
  const out = new Map<string, string>();
  const add = (entries: Iterable<[string, HostTensor | { shape: readonly number[]; data: Uint8Array }]>) => {
    for (const [k, t] of entries)
      out.set(
        k,
        `${t.shape.join(',')}|${Array.from(t.data, (x) => (Object.is(x, -0) ? '-0' : String(x))).join(',')}`,
      );
  };
  add(snapshotTensors('ctx.trained', ctx.trained));
  add(snapshotTensors('ctx.anchor', ctx.anchor));
  add(snapshotTensors('ctx.init', ctx.init));
  add(optimizerTensors('ctx.optimizer.trained', ctx.optimizer.trained));
  add(optimizerTensors('ctx.optimizer.anchor', ctx.optimizer.anchor));
  out.set('ctx.optimizer.trained.step', String(ctx.optimizer.trained.step));
  out.set('ctx.optimizer.anchor.step', String(ctx.optimizer.anchor.step));
  add(
    [...ctx.mask.entries()].map(
      ([k, t]) => [`ctx.mask.${k}`, t] as [string, { shape: readonly number[]; data: Uint8Array }],
    ),
  );
  if (base) {
    add(snapshotTensors('base', base.weights));
    add(optimizerTensors('base.optimizer', base.optimizer));
    out.set('base.schedule', JSON.stringify(base.schedule));
  }
  return out;
}

function changedEntries(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k));
}

function serialize(r: RewindResult): unknown {
  const dump = (w: ReadonlyMap<string, HostTensor>) =>
    [...w].map(([k, t]) => [k, [...t.shape], Array.from(t.data)]);
  return {
    params: dump(r.weights.params),
    state: dump(r.weights.state),
    optimizer:
      r.optimizer === null
        ? null
        : { kind: r.optimizer.kind, step: r.optimizer.step, slots: dump(r.optimizer.slots) },
    schedule: r.schedule,
  };
}
