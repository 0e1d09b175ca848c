import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson, groupKey, groupRuns } from './group-runs.js';
import { type RunData, readRun } from './read-run.js';
import { recipe, writeFixtureRuns } from './testing/fixtures.js';

const run = (r: Record<string, unknown>, runId = 'r'): RunData => ({
  dir: `/runs/${runId}`,
  runId,
  recipe: r,
  seed: String(r.seed ?? 0),
  rounds: [],
  epochs: [],
  roundSigns: [],
  epochFlips: [],
  rewinds: [],
  perturbations: [],
  finished: true,
});

describe('groupKey and canonicalJson', () => {
  it('ignores seed and seeds, and the order of keys', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: undefined, w: null }] })).toBe(
      '{"a":[{"w":null,"y":2}],"b":1}',
    );
    expect(
      groupKey({
        seed: 1,
        seeds: { init: 4 },
        rewind: { policy: { name: 'lr-rewind', options: {} } },
        name: 'x',
      }),
    ).toBe(groupKey({ name: 'x', rewind: { policy: { options: {}, name: 'lr-rewind' } }, seed: 2 }));
    expect(groupKey({ seed: 1, pruning: { fraction: 0.2 } })).not.toBe(
      groupKey({ seed: 1, pruning: { fraction: 0.5 } }),
    );
  });
});

describe('groupRuns', () => {
  it('groups the fixture runs (2 policies × 2 seeds) by recipe without seed, labelled by what differs', () => {
    const dirs = writeFixtureRuns(mkdtempSync(join(tmpdir(), 'pk-report-group-')));
    // Given out of order: LRR seed 1, IMP seed 1, LRR seed 0, IMP seed 0.
    const runs = [dirs[3]!, dirs[1]!, dirs[2]!, dirs[0]!].map((d) => readRun(d));
    const groups = groupRuns(runs);
    expect(groups.map((g) => g.label)).toEqual(['lr-rewind', 'weight-rewind']);
    expect(groups.map((g) => g.runs.map((r) => r.seed))).toEqual([
      ['0', '1'],
      ['0', '1'],
    ]);
    expect(groups[0]!.key).toBe(groupKey(recipe('lr-rewind', 99)));
  });

  it('sorts seeds numerically', () => {
    const groups = groupRuns([
      run(recipe('lr-rewind', 10)),
      run(recipe('lr-rewind', 2)),
      run(recipe('lr-rewind', 1)),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.runs.map((r) => r.seed)).toEqual(['1', '2', '10']);
  });

  it('labels by recipe name when every group has a distinct one', () => {
    const groups = groupRuns([
      run(recipe('weight-rewind', 0, { name: 'imp' })),
      run(recipe('lr-rewind', 0, { name: 'lrr' })),
      run(recipe('lr-rewind', 1, { name: 'lrr' })),
    ]);
    expect(groups.map((g) => [g.label, g.runs.length])).toEqual([
      ['imp', 1],
      ['lrr', 2],
    ]);
  });

  it('labels by the differing leaf, and by the full path when short labels collide', () => {
    const frac = (f: number) =>
      recipe('lr-rewind', 0, {
        pruning: { rounds: 3, fraction: f, strategy: { name: 'magnitude-global', options: {} } },
      });
    expect(groupRuns([run(frac(0.2)), run(frac(0.5))]).map((g) => g.label)).toEqual([
      'fraction=0.2',
      'fraction=0.5',
    ]);
    expect(groupRuns([run({ a: { x: 1 } }), run({ b: { x: 1 } })]).map((g) => g.label)).toEqual([
      'a.x=1',
      'b.x=1',
    ]);
  });

  it('shows rewind modifiers by name, with their differing options', () => {
    const base = recipe('weight-rewind', 0);
    const withSigns = recipe('weight-rewind', 0, {
      rewind: {
        policy: { name: 'weight-rewind', options: {} },
        anchor: 'warmup',
        modifiers: [{ name: 'with-signs', options: { from: 'trained' } }],
      },
    });
    expect(groupRuns([run(base), run(withSigns)]).map((g) => g.label)).toEqual([
      'modifiers=none',
      'modifiers=with-signs, from=trained',
    ]);
  });

  it('falls back to model.dataset.policy for a single unnamed group, and takes a custom label', () => {
    expect(groupRuns([run(recipe('lr-rewind', 0)), run(recipe('lr-rewind', 1))]).map((g) => g.label)).toEqual(
      ['lenet-300-100.fashion-mnist.lr-rewind'],
    );
    const custom = groupRuns(
      [
        run(recipe('lr-rewind', 0), 'a-1'),
        run(recipe('weight-rewind', 0), 'a-2'),
        run(recipe('lr-rewind', 1), 'b-1'),
      ],
      {
        label: (r) => r.runId.split('-')[0]!,
      },
    );
    expect(custom.map((g) => [g.label, g.runs.map((r) => r.runId)])).toEqual([
      ['a', ['a-1', 'a-2']],
      ['b', ['b-1']],
    ]);
  });
});
