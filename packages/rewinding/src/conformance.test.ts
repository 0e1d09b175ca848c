import { type RewindModifier, type RewindPolicy, z } from '@prunekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type ConformanceApi, runRewindConformance } from './conformance.js';
import { FIXTURE_LRR_RUN } from './fixture.js';
import { builtinRewindModifiers, builtinRewindPolicies } from './registry.js';

// The fixture's anchor was saved at iteration 20.
const policyOptions: Record<string, Record<string, unknown>> = { 'weight-rewind': { at: '20it' } };

for (const policy of builtinRewindPolicies) {
  runRewindConformance(policy, { describe, it, expect }, { options: policyOptions[policy.name] ?? {} });
}
for (const modifier of builtinRewindModifiers) runRewindConformance(modifier, { describe, it, expect });

// Option sets that take other code paths.
const [withSigns, randomReinit, weightRewind] = [
  builtinRewindModifiers.find((m) => m.name === 'with-signs')!,
  builtinRewindModifiers.find((m) => m.name === 'random-reinit')!,
  builtinRewindPolicies.find((p) => p.name === 'weight-rewind')!,
];
runRewindConformance(
  withSigns,
  { describe, it, expect },
  { options: { from: { run: FIXTURE_LRR_RUN }, params: 'all' }, label: 'from a run' },
);
runRewindConformance(
  randomReinit,
  { describe, it, expect },
  { options: { params: 'prunable', optimizer: 'reset' }, label: 'prunable' },
);
runRewindConformance(
  weightRewind,
  { describe, it, expect },
  { options: { at: '1ep', replayFrom: 'anchor' }, label: 'replay' },
);

describe('the conformance suite catches a sloppy policy', () => {
  let calls = 0;
  // Aliases and mutates ctx.trained, ignores names and shapes, counts calls, leaks a tensor.
  const sloppy: RewindPolicy = {
    name: 'sloppy',
    description: 'breaks every rule',
    defaults: {},
    schema: z.object({}),
    apply(ctx) {
      calls++;
      tf.scalar(calls);
      const first = ctx.trained.params.values().next().value;
      if (first) first.data[0] = calls;
      return { weights: ctx.trained, optimizer: null, schedule: { kind: 'restart', fromStep: 0 } };
    },
  };

  it('fails exactly the cases the policy breaks', async () => {
    const cases: { name: string; fn: () => Promise<void> }[] = [];
    const api: ConformanceApi = {
      describe: (_name, fn) => fn(),
      it: (name, fn) => cases.push({ name, fn }),
      expect,
    };
    runRewindConformance(sloppy, api);
    const failed: string[] = [];
    for (const c of cases) {
      try {
        await c.fn();
      } catch {
        failed.push(c.name);
      }
    }
    expect(failed).toEqual([
      'does not mutate its inputs and returns fresh buffers',
      'is deterministic under the seed',
      'leaves no tensors behind',
      'rejects a snapshot that lacks a parameter, naming it',
      'rejects a shape mismatch, naming the parameter',
    ]);
  });

  it('passes a modifier through the same cases', () => {
    const names: string[] = [];
    const noop: RewindModifier = { ...builtinRewindModifiers[0]!, name: 'noop' };
    runRewindConformance(noop, { describe: (_n, fn) => fn(), it: (n) => names.push(n), expect });
    expect(names).toHaveLength(7);
  });
});
