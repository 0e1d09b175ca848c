import { describe, expect, it } from 'vitest';
import { applyOverrides, resolveRecipe } from './recipe.js';
import { canonicalJson, nonDefault, normalizeOptions, runId } from './run-id.js';

const raw = {
  model: { name: 'mlp', options: { inputShape: [4], hidden: [3], classes: 2 } },
  dataset: { name: 'gaussian-mixture', options: { dims: 4 } },
  pruning: { rounds: 2 },
};

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
  });
});

describe('nonDefault', () => {
  it('keeps only what differs, deeply; arrays whole', () => {
    expect(nonDefault({ a: 1, b: { c: 2, d: 3 }, e: [1, 2] }, { a: 1, b: { c: 2, d: 4 }, e: [1] })).toEqual({
      b: { d: 3 },
      e: [1, 2],
    });
  });
});

describe('runId', () => {
  it('is the same for the same recipe, and readable', () => {
    const a = runId(resolveRecipe(raw));
    expect(runId(resolveRecipe(structuredClone(raw)))).toBe(a);
    expect(a).toMatch(/^mlp\.gaussian-mixture\.lr-rewind-[0-9a-f]{10}$/);
  });

  it('does not depend on key order', () => {
    const reordered = {
      pruning: { rounds: 2 },
      dataset: raw.dataset,
      model: { options: { classes: 2, hidden: [3], inputShape: [4] }, name: 'mlp' },
    };
    expect(runId(resolveRecipe(reordered))).toBe(runId(resolveRecipe(raw)));
  });

  it('changes when any field changes', () => {
    const a = runId(resolveRecipe(raw));
    const changes = [
      'seed=1',
      'pruning.rounds=3',
      'pruning.fraction=0.3',
      'training.schedule.lr=0.05',
      'rewind.policy.name=weight-rewind',
      'model.options.hidden=[4]',
      'dataset.options.dims=5',
      'signs.track=false',
    ];
    const ids = changes.map((c) => runId(resolveRecipe(applyOverrides(raw, [c]))));
    for (const id of ids) expect(id).not.toBe(a);
    expect(new Set(ids).size).toBe(changes.length);
  });

  it('does not change when a field is added at its default value', () => {
    const a = runId(resolveRecipe(raw));
    const same = [
      'seed=0',
      'pruning.fraction=0.2',
      'training.epochs=2ep',
      'training.epochs=2', // a bare number is epochs
      'training.optimizer.kind=sgd',
      'rewind.anchor=warmup',
      'signs.track=true',
      'evaluation.batchSize=512',
      'rewind.modifiers=[]',
    ];
    for (const s of same) expect(runId(resolveRecipe(applyOverrides(raw, [s]))), s).toBe(a);
  });

  it('does not change when a plugin option is written at its default, and changes when it differs', () => {
    const wr = applyOverrides(raw, ['rewind.policy.name=weight-rewind']);
    const a = runId(resolveRecipe(wr));
    expect(runId(resolveRecipe(applyOverrides(wr, ['rewind.policy.options.replayFrom=start'])))).toBe(a);
    expect(runId(resolveRecipe(applyOverrides(wr, ['rewind.policy.options.replayFrom=anchor'])))).not.toBe(a);
    expect(runId(resolveRecipe(applyOverrides(wr, ['rewind.policy.options.at=0it'])))).not.toBe(a);
    expect(
      normalizeOptions(resolveRecipe(applyOverrides(wr, ['rewind.policy.options.replayFrom=start']))).rewind
        .policy.options,
    ).toEqual({});
  });

  it('uses the recipe name as the prefix, still hashing the content', () => {
    const named = runId(resolveRecipe({ ...raw, name: 'my-run' }));
    expect(named).toMatch(/^my-run-[0-9a-f]{10}$/);
    expect(runId(resolveRecipe({ ...raw, name: 'my-run', seed: 1 }))).not.toBe(named);
  });
});
