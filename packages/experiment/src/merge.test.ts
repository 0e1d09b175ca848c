import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PruneError } from '@prunekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { findRunDirs, groupReplicates, inferPreset, mergeRuns, replicateKey, variantOf } from './merge.js';
import { resolveRecipe } from './recipe.js';
import { runId } from './run-id.js';
import { TINY, tempDir } from './testing/fixtures.js';

const root = tempDir('pk-merge-');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const lrr = { ...TINY, pruning: { rounds: 1 } };
const imp = { ...lrr, rewind: { policy: { name: 'weight-rewind' } } };

/** Write a run directory by hand: recipe.json, metrics.jsonl, signs.jsonl, optionally done.json. */
function fakeRun(
  parent: string,
  raw: Record<string, unknown>,
  rounds: { density: number; acc: number; loss: number; flip: number; rewindFlip?: number }[],
  options: { done?: boolean; meta?: Record<string, unknown> } = {},
): string {
  const recipe = resolveRecipe(raw);
  const id = runId(recipe);
  const dir = join(parent, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'recipe.json'),
    JSON.stringify({ runId: id, recipe, ...(options.meta ? { meta: options.meta } : {}) }),
  );
  const metrics = rounds.map((r, i) => ({
    type: 'round',
    round: i,
    density: r.density,
    trainLoss: r.loss / 2,
    testLoss: r.loss,
    testAccuracy: r.acc,
  }));
  const signs = rounds.flatMap((r, i) => [
    ...(r.rewindFlip === undefined
      ? []
      : [{ type: 'rewind', round: i, policy: 'x', flipVsTrained: { value: r.rewindFlip, perLayer: {} } }]),
    { type: 'epoch-flips', round: i, epoch: 1, flipFraction: 0.5 },
    {
      type: 'round-signs',
      round: i,
      density: r.density,
      flipVsAnchor: { value: r.flip, perLayer: {} },
      ...(i ? { flipVsPrevious: { value: r.flip / 2, perLayer: {} } } : {}),
    },
  ]);
  writeFileSync(join(dir, 'metrics.jsonl'), metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
  writeFileSync(join(dir, 'signs.jsonl'), signs.map((m) => `${JSON.stringify(m)}\n`).join(''));
  if (options.done !== false)
    writeFileSync(join(dir, 'done.json'), JSON.stringify({ runId: id, seconds: 12 }));
  return dir;
}

const sweepDir = join(root, 'sweep');
const a0 = fakeRun(
  sweepDir,
  { ...lrr, seed: 0 },
  [
    { density: 1, acc: 0.5, loss: 1.0, flip: 0.1 },
    { density: 0.8, acc: 0.7, loss: 0.6, flip: 0.2, rewindFlip: 0 },
  ],
  { meta: { preset: 'lrr', sweep: 's', label: { 'pruning.fraction': 0.2, seed: 0 } } },
);
const a1 = fakeRun(
  sweepDir,
  { ...lrr, seed: 1 },
  [
    { density: 1, acc: 0.7, loss: 0.8, flip: 0.3 },
    { density: 0.8, acc: 0.9, loss: 0.4, flip: 0.4, rewindFlip: 0 },
  ],
  { meta: { preset: 'lrr', sweep: 's', label: { 'pruning.fraction': 0.2, seed: 1 } } },
);
const b0 = fakeRun(
  join(root, 'other', 'nested'),
  { ...imp, seed: 0 },
  [{ density: 1, acc: 0.6, loss: 0.9, flip: 0.05 }],
  { done: false },
);

describe('findRunDirs', () => {
  it('finds runs given directly or inside parent directories, each once, sorted', () => {
    expect(findRunDirs([root])).toEqual([a0, a1, b0].sort());
    expect(findRunDirs([a1, sweepDir, a1])).toEqual([a0, a1].sort());
  });

  it('names a missing directory or one without runs', () => {
    expect(() => findRunDirs([join(root, 'nope')])).toThrow(
      `${join(root, 'nope')} does not exist or is not a directory`,
    );
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    const err = (() => {
      try {
        findRunDirs([empty]);
      } catch (e) {
        return e as PruneError;
      }
    })();
    expect(err?.code).toBe('E_REFERENCE');
    expect(err?.message).toContain(`${empty} holds no prunekit run directories`);
  });
});

describe('mergeRuns', () => {
  const outDir = join(root, 'results');
  const merged = mergeRuns([sweepDir, join(root, 'other')], { out: outDir });

  it('gives one row per run and round with the run labels', () => {
    // runs in path order (other/… before sweep/…), rounds ascending
    expect(merged.rows.map((r) => [r.dir, r.round])).toEqual([
      [b0, 0],
      ...[a0, a1].sort().flatMap((d) => [
        [d, 0],
        [d, 1],
      ]),
    ]);
    const row = merged.rows.find((r) => r.dir === a1 && r.round === 1)!;
    expect(row).toEqual({
      runId: runId(resolveRecipe({ ...lrr, seed: 1 })),
      preset: 'lrr',
      variant: 'magnitude-global + lr-rewind',
      seed: 1,
      label: { 'pruning.fraction': 0.2, seed: 1 },
      group: replicateKey(resolveRecipe(lrr)),
      round: 1,
      density: 0.8,
      testAccuracy: 0.9,
      testLoss: 0.4,
      trainLoss: 0.2,
      flipVsAnchor: 0.4,
      flipVsPrevious: 0.2,
      rewindFlip: 0,
      finished: true,
      dir: a1,
    });
    const impRow = merged.rows.find((r) => r.dir === b0)!;
    expect(impRow).toMatchObject({
      preset: 'imp',
      variant: 'magnitude-global + weight-rewind',
      finished: false,
      flipVsAnchor: 0.05,
      label: {},
    });
    expect(impRow.flipVsPrevious).toBeUndefined();
  });

  it('describes the runs', () => {
    const runs = new Map(merged.runs.map((r) => [r.dir, [r.finished, r.rounds, r.seconds, r.meta.preset]]));
    expect(runs).toEqual(
      new Map([
        [a0, [true, 2, 12, 'lrr']],
        [a1, [true, 2, 12, 'lrr']],
        [b0, [false, 1, undefined, undefined]],
      ]),
    );
  });

  it('groups replicates with mean and sample standard deviation per round', () => {
    const g = merged.groups.find((x) => x.preset === 'lrr')!;
    expect(g.seeds).toEqual([0, 1]);
    expect(g.runIds).toHaveLength(2);
    expect(g.label).toEqual({ 'pruning.fraction': 0.2 });
    expect(g.rounds).toHaveLength(2);
    const r1 = g.rounds[1]!;
    expect(r1.round).toBe(1);
    expect(r1.n).toBe(2);
    expect(r1.density).toEqual({ mean: 0.8, std: 0, n: 2 });
    // accuracies 0.7 and 0.9: mean 0.8, std √((0.1² + 0.1²)/1) = 0.1414…
    expect(r1.testAccuracy!.mean).toBeCloseTo(0.8, 12);
    expect(r1.testAccuracy!.std).toBeCloseTo(Math.SQRT2 / 10, 12);
    expect(r1.testLoss!.mean).toBeCloseTo(0.5, 12);
    expect(r1.flipVsAnchor!.mean).toBeCloseTo(0.3, 12);
    expect(r1.flipVsPrevious!.mean).toBeCloseTo(0.15, 12);
    const single = merged.groups.find((x) => x.preset === 'imp')!;
    expect(single.rounds).toEqual([
      {
        round: 0,
        n: 1,
        density: { mean: 1, std: 0, n: 1 },
        testAccuracy: { mean: 0.6, std: 0, n: 1 },
        testLoss: { mean: 0.9, std: 0, n: 1 },
        trainLoss: { mean: 0.45, std: 0, n: 1 },
        flipVsAnchor: { mean: 0.05, std: 0, n: 1 },
      },
    ]);
    expect(merged.groups).toEqual(groupReplicates(merged.rows));
  });

  it('writes JSONL and CSV tables atomically to the output directory', () => {
    expect(readdirSync(outDir).sort()).toEqual([
      'merged.csv',
      'merged.jsonl',
      'replicates.csv',
      'replicates.jsonl',
    ]);
    const jsonl = readFileSync(join(outDir, 'merged.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(jsonl).toEqual(JSON.parse(JSON.stringify(merged.rows)));
    const csv = readFileSync(join(outDir, 'merged.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'run_id,name,preset,variant,seed,group,pruning.fraction,round,density,test_accuracy,test_loss,validation_accuracy,train_loss,flip_vs_anchor,flip_vs_previous,flip_vs_reference,rewind_flip,finished,dir',
    );
    expect(csv).toHaveLength(6);
    const a1r1 = csv.find(
      (l) => l.startsWith(runId(resolveRecipe({ ...lrr, seed: 1 }))) && l.includes(',1,0.8,'),
    )!;
    expect(a1r1).toBe(
      `${runId(resolveRecipe({ ...lrr, seed: 1 }))},,lrr,magnitude-global + lr-rewind,1,${replicateKey(resolveRecipe(lrr))},0.2,1,0.8,0.9,0.4,,0.2,0.4,0.2,,0,true,${a1}`,
    );
    const rep = readFileSync(join(outDir, 'replicates.csv'), 'utf8').trim().split('\n');
    expect(rep[0]).toBe(
      'group,name,preset,variant,pruning.fraction,seeds,round,n,density_mean,density_std,test_accuracy_mean,test_accuracy_std,test_loss_mean,test_loss_std,train_loss_mean,train_loss_std,flip_vs_anchor_mean,flip_vs_anchor_std,flip_vs_previous_mean,flip_vs_previous_std',
    );
    expect(rep).toHaveLength(1 + 2 + 1);
    expect(readdirSync(outDir).some((f) => f.includes('.tmp'))).toBe(false);
  });

  it('reads summary.csv when a run has no JSONL files', () => {
    const dir = fakeRun(join(root, 'csv-only'), { ...lrr, seed: 5 }, []);
    rmSync(join(dir, 'metrics.jsonl'));
    rmSync(join(dir, 'signs.jsonl'));
    writeFileSync(
      join(dir, 'summary.csv'),
      'round,density,test_accuracy,test_loss,validation_accuracy,train_loss,flip_vs_anchor,flip_vs_previous\n0,1,0.5,1.2,,0.9,0.1,\n1,0.8,0.75,0.7,,0.5,0.2,0.05\n',
    );
    const { rows } = mergeRuns([dir]);
    expect(
      rows.map((r) => [
        r.round,
        r.density,
        r.testAccuracy,
        r.testLoss,
        r.validationAccuracy,
        r.trainLoss,
        r.flipVsAnchor,
        r.flipVsPrevious,
      ]),
    ).toEqual([
      [0, 1, 0.5, 1.2, undefined, 0.9, 0.1, undefined],
      [1, 0.8, 0.75, 0.7, undefined, 0.5, 0.2, 0.05],
    ]);
  });

  it('without out, writes nothing', () => {
    const r = mergeRuns([a0]);
    expect(r.files).toBeUndefined();
    expect(r.rows).toHaveLength(2);
  });
});

describe('variantOf and inferPreset', () => {
  it('describe the method of a recipe', () => {
    const signs = resolveRecipe({
      ...imp,
      rewind: {
        policy: { name: 'weight-rewind' },
        modifiers: [{ name: 'with-signs', options: { from: 'trained' } }],
      },
    });
    expect(variantOf(signs)).toBe('magnitude-global + weight-rewind + with-signs{"from":"trained"}');
    expect(inferPreset(signs)).toBe('imp-own-signs');
    const fromRun = resolveRecipe({
      ...imp,
      pruning: { strategy: { name: 'from-run', options: { reference: 'runs/x' } } },
    });
    expect(inferPreset(fromRun)).toBe('imp-with-lrr-mask');
    const perturbed = resolveRecipe({ ...lrr, signs: { perturb: { every: '1ep' } } });
    expect(variantOf(perturbed)).toBe('magnitude-global + lr-rewind + perturb(1ep, 0.3)');
    expect(inferPreset(perturbed)).toBe('sign-perturbation');
    expect(inferPreset(resolveRecipe({ ...lrr, pruning: { strategy: { name: 'snip' } } }))).toBeUndefined();
  });

  it('replicateKey ignores only the seeds', () => {
    expect(replicateKey(resolveRecipe({ ...lrr, seed: 3, seeds: { data: 1 } }))).toBe(
      replicateKey(resolveRecipe(lrr)),
    );
    expect(replicateKey(resolveRecipe({ ...lrr, pruning: { rounds: 2 } }))).not.toBe(
      replicateKey(resolveRecipe(lrr)),
    );
  });
});
