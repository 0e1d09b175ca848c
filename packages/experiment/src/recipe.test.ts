import { PruneError } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { applyOverrides, parseRecipe, recipeJsonSchema, resolveRecipe, seedsOf } from './recipe.js';

const minimal = { model: { name: 'mlp' }, dataset: { name: 'gaussian-mixture' } };

/** The E_RECIPE message of a recipe that must fail. */
function failure(input: unknown): string {
  try {
    resolveRecipe(input, 'r.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(PruneError);
    expect((e as PruneError).code).toBe('E_RECIPE');
    expect((e as PruneError).where).toBe('r.yaml');
    return (e as PruneError).message;
  }
  throw new Error('expected the recipe to be rejected');
}

describe('resolveRecipe', () => {
  it('fills every default of a minimal recipe', () => {
    const r = resolveRecipe(minimal);
    expect(r).toEqual({
      seed: 0,
      seeds: {},
      model: { name: 'mlp', options: {} },
      dataset: { name: 'gaussian-mixture', options: {} },
      training: {
        optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 1e-4, nesterov: false },
        batchSize: 128,
        epochs: '2ep',
        schedule: { kind: 'cosine', lr: 0.1, min: 0.01 },
        warmup: '0it',
        augment: true,
      },
      pruning: { rounds: 5, fraction: 0.2, strategy: { name: 'magnitude-global', options: {} } },
      rewind: { policy: { name: 'lr-rewind', options: {} }, anchor: 'warmup', modifiers: [] },
      signs: { track: true },
      evaluation: { everyEpoch: false, batchSize: 512 },
    });
  });

  it('fills defaults inside a partly given section and normalizes lengths', () => {
    const r = resolveRecipe({
      ...minimal,
      training: { optimizer: { kind: 'adam' }, epochs: 3, warmup: ' 10it ' },
    });
    expect(r.training.optimizer).toEqual({
      kind: 'adam',
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0,
    });
    expect(r.training.epochs).toBe('3ep');
    expect(r.training.warmup).toBe('10it');
    expect(r.training.batchSize).toBe(128);
  });

  it('a schedule or optimizer without kind is the default kind, so one field can be overridden', () => {
    const r = resolveRecipe(
      applyOverrides(minimal, ['training.schedule.lr=0.05', 'training.optimizer.momentum=0.5']),
    );
    expect(r.training.schedule).toEqual({ kind: 'cosine', lr: 0.05, min: 0.01 });
    expect(r.training.optimizer).toEqual({ kind: 'sgd', momentum: 0.5, weightDecay: 1e-4, nesterov: false });
    expect(resolveRecipe(applyOverrides(minimal, ['training.schedule.min=0'])).training.schedule).toEqual({
      kind: 'cosine',
      lr: 0.1,
      min: 0,
    });
  });

  it('separate seeds fall back to seed', () => {
    expect(seedsOf(resolveRecipe({ ...minimal, seed: 7, seeds: { data: 3 } }))).toEqual({
      init: 7,
      data: 3,
      masks: 7,
    });
  });

  it('names an unknown field, the known ones and the closest', () => {
    const top = failure({ ...minimal, trainig: {} });
    expect(top).toContain("(top level): unknown field 'trainig'");
    expect(top).toContain(
      'known: name, seed, seeds, model, dataset, training, pruning, rewind, signs, evaluation',
    );
    expect(top).toContain("did you mean 'training'?");
    const nested = failure({ ...minimal, training: { epoch: '2ep' } });
    expect(nested).toContain(
      "training: unknown field 'epoch'; known: optimizer, batchSize, epochs, schedule, warmup, augment",
    );
    // inside a discriminated union: the fields of the chosen kind
    expect(failure({ ...minimal, training: { optimizer: { kind: 'adam', momentum: 0.9 } } })).toContain(
      "training.optimizer: unknown field 'momentum'; known: kind, beta1, beta2, epsilon, weightDecay",
    );
  });

  it('names a wrong type with the value given', () => {
    expect(failure({ ...minimal, pruning: { rounds: 'five' } })).toContain(
      'pruning.rounds: expected a number, got "five"',
    );
    expect(failure({ ...minimal, pruning: { rounds: 2.5 } })).toContain(
      'pruning.rounds: must be a whole number ≥ 0 and ≤ 1000, got 2.5',
    );
  });

  it('rejects a fraction outside (0, 1) and says the allowed range', () => {
    for (const f of [0, 1, -0.2, 1.5]) {
      expect(failure({ ...minimal, pruning: { fraction: f } })).toContain(
        `pruning.fraction: must be between 0 and 1 (exclusive)`,
      );
    }
    expect(failure({ ...minimal, pruning: { fraction: 1 } })).toContain('got 1');
    expect(failure({ ...minimal, signs: { perturb: { probability: 1 } } })).toContain(
      'signs.perturb.probability: must be between 0 and 1 (exclusive)',
    );
  });

  it('rejects negative epochs, as text or as a number', () => {
    const hint = 'expected a training length ≥ 0 like "150ep" or "500it"';
    expect(failure({ ...minimal, training: { epochs: '-2ep' } })).toContain(`training.epochs: ${hint}`);
    expect(failure({ ...minimal, training: { epochs: -2 } })).toContain(`training.epochs: ${hint}`);
    expect(failure({ ...minimal, training: { warmup: 'ten' } })).toContain(`training.warmup: ${hint}`);
  });

  it('rejects density 0 (and 1)', () => {
    expect(failure({ ...minimal, pruning: { density: 0 } })).toContain(
      'pruning.density: must be between 0 and 1 (exclusive): the density after the last round, e.g. 0.05, got 0',
    );
    expect(failure({ ...minimal, pruning: { density: 1 } })).toContain(
      'pruning.density: must be between 0 and 1',
    );
  });

  it('requires model and dataset, saying what to write', () => {
    expect(failure({ dataset: minimal.dataset })).toContain(
      "model: required: { name: '<a registered model>', options: { … } }",
    );
    expect(failure({ model: minimal.model })).toContain(
      "dataset: required: { name: '<a registered dataset>'",
    );
    expect(failure({ ...minimal, model: {} })).toContain('model.name: required (string)');
  });

  it('lists the allowed values of choices', () => {
    expect(failure({ ...minimal, training: { optimizer: { kind: 'rmsprop' } } })).toContain(
      "training.optimizer.kind: expected optimizer kind 'sgd' (the default when kind is left out) or 'adam'",
    );
    expect(failure({ ...minimal, signs: { fixed: { from: 'trained' } } })).toContain(
      'signs.fixed.from: Invalid option: expected one of "init"|"anchor", got "trained"',
    );
    expect(failure({ ...minimal, rewind: { anchor: 'start' } })).toContain(
      'rewind.anchor: expected "warmup" or a step of round 0 like "500it" or "1ep", got "start"',
    );
  });

  it('reports every bad field in one error', () => {
    const msg = failure({ ...minimal, seed: -1, pruning: { fraction: 2, rounds: -1 } });
    expect(msg).toContain('seed: must be a whole number ≥ 0, got -1');
    expect(msg).toContain('pruning.fraction:');
    expect(msg).toContain('pruning.rounds:');
  });
});

describe('parseRecipe', () => {
  it('reads YAML and JSON to the same recipe', () => {
    const yaml = parseRecipe(
      'model: { name: mlp }\ndataset:\n  name: gaussian-mixture\npruning:\n  rounds: 3\n',
      'a.yaml',
    );
    const json = parseRecipe(JSON.stringify({ ...minimal, pruning: { rounds: 3 } }), 'a.json');
    expect(yaml).toEqual(json);
    expect(yaml.pruning.rounds).toBe(3);
  });

  it('gives file:line:col for YAML syntax errors', () => {
    const bad = 'model:\n  name: mlp\n dataset: x\n';
    expect(() => parseRecipe(bad, 'bad.yaml')).toThrow(/^bad\.yaml:3:\d+: YAML syntax error: /);
    try {
      parseRecipe('model: {name: mlp\ndataset: x\n', 'flow.yaml');
    } catch (e) {
      expect((e as PruneError).code).toBe('E_RECIPE');
      expect((e as PruneError).message).toMatch(/^flow\.yaml:\d+:\d+: YAML syntax error/);
    }
    expect(() => parseRecipe('model: {name: mlp\ndataset: x\n', 'flow.yaml')).toThrow(PruneError);
  });

  it('rejects a duplicate key and a document that is not a mapping', () => {
    expect(() => parseRecipe('seed: 1\nseed: 2\n', 'dup.yaml')).toThrow(/dup\.yaml:2:\d+: YAML syntax error/);
    expect(() => parseRecipe('- a\n- b\n', 'list.yaml')).toThrow(
      'list.yaml: a recipe must be a mapping of fields',
    );
    expect(() => parseRecipe('', 'empty.yaml')).toThrow(
      'empty.yaml: a recipe must be a mapping of fields (like "model: …"), not empty',
    );
  });

  it('names the source in validation errors', () => {
    expect(() => parseRecipe('model: { name: mlp }\n', 'x.yaml')).toThrow(
      /^x\.yaml is invalid: dataset: required/,
    );
  });
});

describe('applyOverrides', () => {
  it('sets values by dotted path, parsing them as YAML scalars', () => {
    const out = applyOverrides(minimal, [
      'pruning.rounds=3',
      'training.schedule.lr=0.05',
      'model.options.hidden=[4, 2]',
      'name=abc',
      'training.augment=false',
    ]);
    expect(out).toEqual({
      model: { name: 'mlp', options: { hidden: [4, 2] } },
      dataset: { name: 'gaussian-mixture' },
      pruning: { rounds: 3 },
      training: { schedule: { lr: 0.05 }, augment: false },
      name: 'abc',
    });
    expect(minimal).toEqual({ model: { name: 'mlp' }, dataset: { name: 'gaussian-mixture' } }); // input untouched
  });

  it('replaces a value in place and keeps its siblings', () => {
    const out = applyOverrides({ ...minimal, pruning: { rounds: 5, fraction: 0.2 } }, ['pruning.rounds=1']);
    expect(out.pruning).toEqual({ rounds: 1, fraction: 0.2 });
  });

  it('indexes lists with numbers in the path', () => {
    const withMods = {
      ...minimal,
      rewind: { modifiers: [{ name: 'with-signs', options: { from: 'trained' } }] },
    };
    const out = applyOverrides(withMods, [
      'rewind.modifiers.0.options.from={run: runs/lrr}',
      'rewind.modifiers.1={name: shuffle-magnitudes}',
    ]);
    expect(out.rewind).toEqual({
      modifiers: [
        { name: 'with-signs', options: { from: { run: 'runs/lrr' } } },
        { name: 'shuffle-magnitudes' },
      ],
    });
    expect(() => applyOverrides(withMods, ['rewind.modifiers.name=x'])).toThrow(
      'rewind.modifiers is a list of 1; use an index 0…1',
    );
    expect(() => applyOverrides(withMods, ['rewind.modifiers.5.name=x'])).toThrow('use an index 0…1');
  });

  it('rejects malformed and dangerous keys', () => {
    expect(() => applyOverrides(minimal, ['pruning.rounds'])).toThrow(
      "--set 'pruning.rounds': expected key=value",
    );
    expect(() => applyOverrides(minimal, ['=3'])).toThrow('expected key=value');
    expect(() => applyOverrides(minimal, ['a..b=1'])).toThrow('bad key path');
    expect(() => applyOverrides(minimal, ['__proto__.x=1'])).toThrow('bad key path');
  });

  it('an override that breaks the recipe fails validation naming the field', () => {
    expect(() => resolveRecipe(applyOverrides(minimal, ['pruning.fraction=1.5']))).toThrow(
      /pruning\.fraction: must be between 0 and 1/,
    );
  });
});

describe('recipeJsonSchema', () => {
  it('describes every field with its default', () => {
    const s = recipeJsonSchema() as {
      properties: Record<string, { properties?: Record<string, { default?: unknown }>; default?: unknown }>;
      required?: string[];
    };
    expect(Object.keys(s.properties)).toEqual([
      'name',
      'seed',
      'seeds',
      'model',
      'dataset',
      'training',
      'pruning',
      'rewind',
      'signs',
      'evaluation',
    ]);
    expect(s.required).toEqual(['model', 'dataset']);
    expect(Object.keys(s.properties.training!.properties!)).toEqual([
      'optimizer',
      'batchSize',
      'epochs',
      'schedule',
      'warmup',
      'augment',
    ]);
    expect(s.properties.pruning!.properties!.fraction!.default).toBe(0.2);
    expect(s.properties.pruning!.properties!.rounds!.default).toBe(5);
    expect(s.properties.seed!.default).toBe(0);
    expect(Object.keys(s.properties.rewind!.properties!)).toEqual(['policy', 'anchor', 'modifiers']);
    expect(Object.keys(s.properties.signs!.properties!)).toEqual(['track', 'reference', 'perturb', 'fixed']);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s); // plain JSON
  });
});
