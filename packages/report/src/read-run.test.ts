import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PruneError } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { findRunDirs, readRun, seedLabel } from './read-run.js';
import { fixtureRounds, recipe, writeFixtureRuns, writeRun } from './testing/fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'pk-report-run-'));

function expectError(f: () => unknown, code: string, message: RegExp): PruneError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PruneError);
    expect((e as PruneError).code).toBe(code);
    expect((e as PruneError).message).toMatch(message);
    return e as PruneError;
  }
  throw new Error('expected an error');
}

describe('readRun', () => {
  it('reads every record of a run directory, sorted', () => {
    const [dir] = writeFixtureRuns(tmp());
    const run = readRun(dir!);
    expect(run.runId).toBe('lenet.weight-rewind-s0');
    expect(run.seed).toBe('0');
    expect(run.finished).toBe(true);
    expect(run.rounds.map((r) => [r.round, r.density, r.testAccuracy])).toEqual([
      [0, 1, 0.9],
      [1, 0.8, 0.88],
      [2, 0.64, 0.85],
      [3, 0.512, 0.8],
    ]);
    expect(run.rounds[1]!.layerDensity).toEqual({
      'fc1/kernel': 0.78,
      'fc2/kernel': 0.85,
      'out/kernel': 0.9,
    });
    expect(run.roundSigns.map((s) => s.flipVsAnchor.value)).toEqual([0.1, 0.12, 0.14, 0.16]);
    expect(run.roundSigns[0]!.flipVsPrevious).toBeUndefined();
    expect(run.roundSigns[2]!.flipVsPrevious?.value).toBe(0.07);
    expect(run.roundSigns[1]!.switches?.flippedAtLeastOnceFraction).toBe(0.05);
    expect(run.epochFlips).toHaveLength(12);
    expect(run.epochFlips.slice(0, 3).map((e) => [e.round, e.epoch, e.flipFraction])).toEqual([
      [0, 1, 0.03],
      [0, 2, 0.02],
      [0, 3, 0.01],
    ]);
    expect(run.rewinds.map((r) => [r.round, r.policy])).toEqual([
      [1, 'weight-rewind'],
      [2, 'weight-rewind'],
      [3, 'weight-rewind'],
    ]);
    expect(run.perturbations).toEqual([]);
    expect(run.epochs).toEqual([]);
  });

  it('reads null (a NaN loss) as missing, skips unknown record types, keeps epoch records', () => {
    const dir = writeRun(
      join(tmp(), 'r'),
      recipe('lr-rewind', 3),
      fixtureRounds('lr-rewind', 0).slice(0, 1),
      { done: false },
    );
    appendFileSync(
      join(dir, 'metrics.jsonl'),
      `${JSON.stringify({ type: 'epoch', round: 1, epoch: 2, density: 0.8, trainLoss: null, testLoss: 0.3, testAccuracy: null })}\n`,
    );
    appendFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ type: 'from-the-future', x: 1 })}\n\n`);
    appendFileSync(
      join(dir, 'signs.jsonl'),
      `${JSON.stringify({ type: 'perturbation', round: 1, epoch: 30, flipped: 12 })}\n`,
    );
    const run = readRun(dir);
    expect(run.finished).toBe(false);
    expect(run.epochs).toEqual([{ round: 1, epoch: 2, density: 0.8, testLoss: 0.3 }]);
    expect(run.perturbations).toEqual([{ round: 1, epoch: 30, flipped: 12 }]);
    expect(run.seed).toBe('3');
  });

  it('treats missing metrics and signs files as a run with no finished round', () => {
    const dir = join(tmp(), 'fresh');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'recipe.json'),
      JSON.stringify({ runId: 'fresh-1', recipe: recipe('lr-rewind', 0) }),
    );
    const run = readRun(dir);
    expect(run.rounds).toEqual([]);
    expect(run.roundSigns).toEqual([]);
    expect(run.finished).toBe(false);
  });

  it('E_REFERENCE for a missing directory or one without recipe.json', () => {
    const root = tmp();
    expectError(() => readRun(join(root, 'nope')), 'E_REFERENCE', /run directory .*nope does not exist/);
    const e = expectError(
      () => readRun(root),
      'E_REFERENCE',
      /is not a prunekit run directory \(no recipe\.json\).*not its parent/,
    );
    expect(e.where).toBe(root);
  });

  it('E_DATA naming file:line for a line that is not JSON', () => {
    const [dir] = writeFixtureRuns(tmp());
    appendFileSync(join(dir!, 'metrics.jsonl'), '{"type":"round","round":4,');
    const e = expectError(() => readRun(dir!), 'E_DATA', /metrics\.jsonl:5 is not valid JSON/);
    expect(e.where).toBe(`${join(dir!, 'metrics.jsonl')}:5`);
  });

  it('E_DATA naming file:line and the bad field for a record of the wrong shape', () => {
    const [dir] = writeFixtureRuns(tmp());
    appendFileSync(
      join(dir!, 'metrics.jsonl'),
      `${JSON.stringify({ type: 'round', round: 4, density: 1.5, testLoss: 0.1 })}\n`,
    );
    expectError(() => readRun(dir!), 'E_DATA', /metrics\.jsonl:5: bad round record: density: .*1/);
    const [dir2] = writeFixtureRuns(tmp());
    appendFileSync(
      join(dir2!, 'signs.jsonl'),
      `${JSON.stringify({ type: 'round-signs', round: 4, density: 0.4 })}\n`,
    );
    expectError(() => readRun(dir2!), 'E_DATA', /signs\.jsonl:\d+: bad round-signs record: flipVsAnchor/);
    const [dir3] = writeFixtureRuns(tmp());
    appendFileSync(join(dir3!, 'signs.jsonl'), '{"round": 1}\n');
    expectError(() => readRun(dir3!), 'E_DATA', /signs\.jsonl:20: bad signs record: type: /);
    writeFileSync(join(dir3!, 'signs.jsonl'), '[1,2]\n');
    expectError(
      () => readRun(dir3!),
      'E_DATA',
      /signs\.jsonl:1: bad signs record: \(record\): .*expected object/,
    );
  });

  it('E_DATA for a round recorded twice, a bad recipe.json and a truncated done.json', () => {
    const [dir] = writeFixtureRuns(tmp());
    appendFileSync(
      join(dir!, 'metrics.jsonl'),
      `${JSON.stringify({ type: 'round', round: 2, density: 0.64, testLoss: 0.1 })}\n`,
    );
    expectError(() => readRun(dir!), 'E_DATA', /metrics\.jsonl:5: a second record for round 2/);

    const [, dir2] = writeFixtureRuns(tmp());
    writeFileSync(join(dir2!, 'recipe.json'), JSON.stringify({ recipe: {} }));
    expectError(() => readRun(dir2!), 'E_DATA', /recipe\.json: bad recipe file .*runId/);
    writeFileSync(join(dir2!, 'recipe.json'), '{"runId": "x", "reci');
    expectError(() => readRun(dir2!), 'E_DATA', /recipe\.json is not valid JSON/);

    const [, , dir3] = writeFixtureRuns(tmp());
    writeFileSync(join(dir3!, 'done.json'), '{"runId"');
    expectError(() => readRun(dir3!), 'E_DATA', /done\.json is not valid JSON/);
  });
});

describe('findRunDirs and seedLabel', () => {
  it('lists the run directories inside a parent, sorted, skipping other entries', () => {
    const root = tmp();
    const dirs = writeFixtureRuns(root);
    mkdirSync(join(root, 'not-a-run'));
    writeFileSync(join(root, 'notes.txt'), 'x');
    expect(findRunDirs(root)).toEqual([...dirs].sort());
    rmSync(root, { recursive: true });
    expectError(() => findRunDirs(root), 'E_REFERENCE', /does not exist/);
  });

  it('labels seeds, naming separate seeds that differ from the main one', () => {
    expect(seedLabel({ seed: 4 })).toBe('4');
    expect(seedLabel({})).toBe('0');
    expect(seedLabel({ seed: 1, seeds: { init: 3, data: 1 } })).toBe('1 (init 3)');
    expect(seedLabel({ seed: 0, seeds: { init: 3, masks: 2 } })).toBe('0 (init 3, masks 2)');
  });
});
