import { PruneError } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { createPresetRegistry, presetRecipe } from './presets.js';
import { applyOverrides, resolveRecipe } from './recipe.js';
import { runId } from './run-id.js';
import { expandSweep, parseShard, parseSweep, shard, shardFromEnv } from './sweep.js';
import { TINY } from './testing/fixtures.js';

describe('expandSweep', () => {
  it('takes the cartesian product in file order (first key slowest), seeds innermost', () => {
    const sweep = expandSweep({
      base: TINY,
      grid: { 'rewind.policy.name': ['lr-rewind', 'weight-rewind'], 'pruning.fraction': [0.2, 0.5] },
      seeds: 2,
    });
    expect(sweep.points.map((p) => p.label)).toEqual([
      { 'rewind.policy.name': 'lr-rewind', 'pruning.fraction': 0.2, seed: 0 },
      { 'rewind.policy.name': 'lr-rewind', 'pruning.fraction': 0.2, seed: 1 },
      { 'rewind.policy.name': 'lr-rewind', 'pruning.fraction': 0.5, seed: 0 },
      { 'rewind.policy.name': 'lr-rewind', 'pruning.fraction': 0.5, seed: 1 },
      { 'rewind.policy.name': 'weight-rewind', 'pruning.fraction': 0.2, seed: 0 },
      { 'rewind.policy.name': 'weight-rewind', 'pruning.fraction': 0.2, seed: 1 },
      { 'rewind.policy.name': 'weight-rewind', 'pruning.fraction': 0.5, seed: 0 },
      { 'rewind.policy.name': 'weight-rewind', 'pruning.fraction': 0.5, seed: 1 },
    ]);
    expect(sweep.points.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const p5 = sweep.points[5]!;
    expect(p5.recipe).toEqual(
      resolveRecipe({
        ...TINY,
        seed: 1,
        rewind: { policy: { name: 'weight-rewind' } },
        pruning: { ...TINY.pruning, fraction: 0.2 },
      }),
    );
    expect(p5.runId).toBe(runId(p5.recipe));
    expect(new Set(sweep.points.map((p) => p.runId)).size).toBe(8);
    expect(sweep.duplicates).toBe(0);
  });

  it('is deterministic', () => {
    const spec = { base: TINY, grid: { 'training.schedule.lr': [0.1, 0.05, 0.01] }, seeds: 3 };
    expect(expandSweep(spec).points).toEqual(expandSweep(structuredClone(spec)).points);
  });

  it('starts from a preset, applies set, then the grid', () => {
    const sweep = expandSweep({
      preset: 'imp',
      set: { model: TINY.model, dataset: TINY.dataset, 'pruning.rounds': 2 },
      grid: { 'training.epochs': ['1ep', '2ep'] },
    });
    const expected = resolveRecipe(
      applyOverrides(presetRecipe(createPresetRegistry().get('imp')), [
        `model=${JSON.stringify(TINY.model)}`,
        `dataset=${JSON.stringify(TINY.dataset)}`,
        'pruning.rounds=2',
        'training.epochs=2ep',
      ]),
    );
    expect(sweep.points).toHaveLength(2);
    expect(sweep.points[1]!.recipe).toEqual(expected);
    expect(sweep.points[0]!.recipe.rewind.policy.name).toBe('weight-rewind');
    expect(sweep.points[0]!.label).toEqual({ 'training.epochs': '1ep' });
  });

  it('merges base over the preset; with no grid and no seeds it is one point', () => {
    const sweep = expandSweep({ preset: 'lrr', base: { ...TINY, pruning: { rounds: 1 } } });
    expect(sweep.points).toHaveLength(1);
    expect(sweep.points[0]!.recipe.pruning).toMatchObject({ rounds: 1, fraction: 0.2 });
    expect(sweep.points[0]!.recipe.training.warmup).toBe('1ep');
    expect(sweep.points[0]!.label).toEqual({});
  });

  it('grid values may be objects and lists; they replace the whole field', () => {
    const sweep = expandSweep({
      base: TINY,
      grid: {
        'rewind.modifiers': [[], [{ name: 'with-signs', options: { from: 'trained' } }]],
        'model.options.hidden': [[5], [4, 4]],
      },
    });
    expect(sweep.points).toHaveLength(4);
    expect(sweep.points[3]!.recipe.rewind.modifiers).toEqual([
      { name: 'with-signs', options: { from: 'trained' } },
    ]);
    expect(sweep.points[3]!.recipe.model.options).toEqual({ inputShape: [22], hidden: [4, 4], classes: 3 });
  });

  it('lists a point once when two grid values give the same recipe', () => {
    const sweep = expandSweep({ base: TINY, grid: { 'pruning.fraction': [0.2, 0.5, 0.2] } });
    expect(sweep.points.map((p) => p.label)).toEqual([
      { 'pruning.fraction': 0.2 },
      { 'pruning.fraction': 0.5 },
    ]);
    expect(sweep.duplicates).toBe(1);
  });

  it('validates every point, naming the point, its values and the field', () => {
    expect(() =>
      expandSweep({ base: TINY, grid: { 'pruning.fraction': [0.2, 1.5] } }, { source: 's.yaml' }),
    ).toThrow(
      /^s\.yaml point 1 \(pruning\.fraction=1\.5\) is invalid: pruning\.fraction: must be between 0 and 1/,
    );
    const unknown = (() => {
      try {
        expandSweep({
          base: TINY,
          grid: { 'pruning.strategy.name': ['magnitude-global', 'magnitude-globl'] },
        });
      } catch (e) {
        return e as PruneError;
      }
    })();
    expect(unknown?.code).toBe('E_UNKNOWN_NAME');
    expect(unknown?.message).toContain(
      'sweep point 1 (pruning.strategy.name="magnitude-globl"): pruning.strategy.name: unknown mask strategy',
    );
    expect(unknown?.message).toContain("did you mean 'magnitude-global'?");
    expect(() =>
      expandSweep({
        base: TINY,
        set: { 'pruning.strategy': { name: 'magnitude-global', options: { bogus: 1 } } },
      }),
    ).toThrow(/^sweep point 0: 'magnitude-global': pruning\.strategy\.options/);
  });

  it('rejects bad sweep files with the field and the known fields', () => {
    const fail = (spec: unknown) => {
      try {
        expandSweep(spec, { source: 'x.yaml' });
      } catch (e) {
        expect((e as PruneError).code).toBe('E_RECIPE');
        return (e as PruneError).message;
      }
      throw new Error('expected an error');
    };
    expect(fail({ grid: {} })).toContain(
      'x.yaml is invalid: base: give a base recipe (base: …) or a preset (preset: imp)',
    );
    expect(fail({ base: TINY, grids: {} })).toContain(
      "unknown field 'grids'; known: name, preset, base, set, grid, seeds, out",
    );
    expect(fail({ base: TINY, grid: { 'pruning.fraction': [] } })).toContain(
      'grid.pruning.fraction: give at least one value',
    );
    expect(fail({ base: TINY, grid: { 'a..b': [1] } })).toContain(
      'grid.a..b: not a dotted field path like "pruning.fraction"',
    );
    expect(fail({ base: TINY, seeds: 0 })).toContain('seeds:');
    expect(fail({ base: TINY, seeds: 2, grid: { seed: [1, 2] } })).toContain(
      "'seeds: 2' sets the seed of every point, but seed sets it too",
    );
    expect(fail({ base: { ...TINY, seed: 4 }, seeds: 2 })).toContain('but base.seed sets it too');
    // fixing one of the separate seeds while replicating over the others is fine
    expect(
      expandSweep({ base: TINY, set: { 'seeds.init': 5 }, seeds: 2 }).points.map((p) => [
        p.recipe.seed,
        p.recipe.seeds.init,
      ]),
    ).toEqual([
      [0, 5],
      [1, 5],
    ]);
    expect(fail({ base: TINY, set: { 'pruning.rounds': 1 }, grid: { 'pruning.rounds': [1, 2] } })).toContain(
      "'pruning.rounds' is both in set and in grid",
    );
    expect(() => expandSweep({ preset: 'lrrr', base: TINY })).toThrow(
      /unknown preset 'lrrr' \(did you mean 'lrr'\?\)/,
    );
  });

  it('a preset that needs a run directory says which field to set', () => {
    expect(() => expandSweep({ preset: 'imp-with-lrr-mask', base: TINY })).toThrow(
      "preset 'imp-with-lrr-mask' needs a run directory at pruning.strategy.options.reference",
    );
  });
});

describe('parseSweep', () => {
  it('reads YAML', () => {
    const text = `
preset: lrr
set:
  pruning.rounds: 1
  model: { name: mlp, options: { inputShape: [22], hidden: [5], classes: 3 } }
  dataset: { name: gaussian-mixture, options: { dims: 22, trainSize: 64, testSize: 30 } }
grid:
  pruning.fraction: [0.2, 0.5]
seeds: 3
out: runs/fractions
`;
    const sweep = parseSweep(text, { source: 'fractions.yaml' });
    expect(sweep.points).toHaveLength(6);
    expect(sweep.spec.out).toBe('runs/fractions');
    expect(sweep.source).toBe('fractions.yaml');
    expect(sweep.points[4]!.label).toEqual({ 'pruning.fraction': 0.5, seed: 1 });
  });

  it('gives line:column for syntax errors', () => {
    expect(() => parseSweep('preset: lrr\ngrid:\n  a: [1, 2\n', { source: 'bad.yaml' })).toThrow(
      /^bad\.yaml:\d+:\d+: YAML syntax error/,
    );
  });
});

describe('shard', () => {
  const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

  it('picks the items whose position modulo count is the index', () => {
    expect(shard(items, 0, 3)).toEqual(['a', 'd', 'g']);
    expect(shard(items, 1, 3)).toEqual(['b', 'e']);
    expect(shard(items, 2, 3)).toEqual(['c', 'f']);
    expect(shard(items, 0, 1)).toEqual(items);
    expect(shard(items, 9, 10)).toEqual([]);
  });

  it('shards are disjoint and cover the list', () => {
    for (const n of [1, 2, 3, 4, 7, 8]) {
      const all = Array.from({ length: n }, (_, i) => shard(items, i, n)).flat();
      expect(all.sort()).toEqual(items);
    }
  });

  it('rejects impossible shards', () => {
    expect(() => shard(items, 3, 3)).toThrow('shard 3 of 3: need whole numbers with 0 ≤ index < count');
    expect(() => shard(items, -1, 3)).toThrow(PruneError);
    expect(() => shard(items, 0, 0)).toThrow(PruneError);
    expect(() => shard(items, 0.5, 2)).toThrow(PruneError);
  });
});

describe('parseShard and shardFromEnv', () => {
  it('parses index/count', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    expect(parseShard(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
    for (const bad of ['8/8', '1/0', 'a/b', '3', '-1/2'])
      expect(() => parseShard(bad), bad).toThrow(/expected index\/count/);
  });

  it('reads PRUNEKIT_SHARD, Slurm arrays and Kubernetes indexed jobs', () => {
    expect(shardFromEnv({})).toBeUndefined();
    expect(shardFromEnv({ PRUNEKIT_SHARD: '1/4' })).toEqual({ index: 1, count: 4 });
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '8' })).toEqual({
      index: 3,
      count: 8,
    });
    // --array=1-8: ids start at 1
    expect(
      shardFromEnv({ SLURM_ARRAY_TASK_ID: '8', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '8' }),
    ).toEqual({ index: 7, count: 8 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '2', PRUNEKIT_SHARD_COUNT: '5' })).toEqual({
      index: 2,
      count: 5,
    });
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '2' })).toThrow(
      'JOB_COMPLETION_INDEX is set but PRUNEKIT_SHARD_COUNT is not',
    );
  });
});
