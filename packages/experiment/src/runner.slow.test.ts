import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type PrunekitEvent, PruneError } from '@prunekit/core';
import { loadWeights } from '@prunekit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOverrides, resolveRecipe } from './recipe.js';
import { RUN_FILES, readJsonl, roundFile, runDirectory } from './run-dir.js';
import { runId } from './run-id.js';
import { type RunResult, resumeRun, runExperiment } from './runner.js';
import {
  TINY,
  TINY_PRUNABLE,
  fingerprint,
  masked,
  plain,
  roundMask,
  roundWeights,
  savedParams,
  tempDir,
} from './testing/fixtures.js';

const out = tempDir('pk-runner-');
afterAll(() => rmSync(out, { recursive: true, force: true }));

const lrrRecipe = { ...TINY, rewind: { policy: { name: 'lr-rewind' } } };
const impRecipe = { ...TINY, rewind: { policy: { name: 'weight-rewind' } } };

let lrr: RunResult;
let imp: RunResult;
let lrrEvents: PrunekitEvent[];
let tensorsBefore: number;
let tensorsAfter: number;

beforeAll(async () => {
  lrrEvents = [];
  tensorsBefore = tf.memory().numTensors;
  lrr = await runExperiment(lrrRecipe, { out, onEvent: (e) => lrrEvents.push(e) });
  tensorsAfter = tf.memory().numTensors;
  imp = await runExperiment(impRecipe, { out });
}, 120_000);

/** The numbers of kept weights after each round: n ← n − ⌊0.2·n⌋ from 125. */
const KEPT = [125, 100, 80, 64];

describe.each([
  ['LRR', () => lrr],
  ['IMP', () => imp],
])('%s run on the tiny MLP', (_label, result) => {
  it('writes the whole run directory', () => {
    const { dir } = result();
    for (const f of [
      'recipe.json',
      'init.safetensors',
      'anchor.safetensors',
      'anchor.optimizer.safetensors',
      'metrics.jsonl',
      'signs.jsonl',
      'summary.csv',
      'done.json',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    for (let r = 0; r <= 3; r++) {
      expect(existsSync(roundFile(dir, r, 'mask')), `round ${r} mask`).toBe(true);
      expect(existsSync(roundFile(dir, r, 'trained')), `round ${r} trained`).toBe(true);
      expect(existsSync(roundFile(dir, r, 'rewound')), `round ${r} rewound`).toBe(r > 0);
    }
    expect(existsSync(join(dir, RUN_FILES.lock))).toBe(false);
    const stored = JSON.parse(readFileSync(join(dir, 'recipe.json'), 'utf8'));
    expect(stored.runId).toBe(result().runId);
    expect(resolveRecipe(stored.recipe)).toEqual(resolveRecipe(_label === 'LRR' ? lrrRecipe : impRecipe));
    const done = JSON.parse(readFileSync(join(dir, 'done.json'), 'utf8'));
    expect(done.runId).toBe(result().runId);
    expect(done.rounds.map((r: { round: number }) => r.round)).toEqual([0, 1, 2, 3]);
  });

  it('prunes 20% of the surviving weights per round: density (1 − f)^r', () => {
    const { dir, rounds } = result();
    for (let r = 0; r <= 3; r++) {
      const mask = roundMask(dir, r);
      expect(mask.count()).toBe(KEPT[r]);
      expect(mask.size()).toBe(TINY_PRUNABLE);
      expect(mask.density()).toBeCloseTo(0.8 ** r, 14);
      expect(rounds[r]!.density).toBe(KEPT[r]! / TINY_PRUNABLE);
    }
  });

  it('masks only shrink from round to round', () => {
    const { dir } = result();
    for (let r = 1; r <= 3; r++)
      expect(roundMask(dir, r).isSubsetOf(roundMask(dir, r - 1)), `round ${r}`).toBe(true);
  });

  it('keeps pruned weights exactly zero in every saved trained and rewound file', () => {
    const { dir } = result();
    for (let r = 0; r <= 3; r++) {
      const mask = roundMask(dir, r);
      for (const kind of r > 0 ? (['trained', 'rewound'] as const) : (['trained'] as const)) {
        const w = roundWeights(dir, r, kind);
        for (const [name, m] of mask.entries()) {
          const data = w.get(name)!.data;
          let zeros = 0;
          m.data.forEach((keep, i) => {
            if (!keep) {
              expect(Object.is(data[i], 0), `${kind} ${r} ${name}[${i}] = ${data[i]}`).toBe(true);
              zeros++;
            }
          });
          expect(zeros).toBe(m.data.length - mask.count(name));
        }
      }
    }
  });

  it('records metrics, sign metrics and the summary for every round', () => {
    const { dir } = result();
    const metrics = readJsonl(join(dir, 'metrics.jsonl')).filter((m) => m.type === 'round');
    expect(metrics.map((m) => m.round)).toEqual([0, 1, 2, 3]);
    for (const m of metrics) {
      expect(m.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(m.testAccuracy).toBeLessThanOrEqual(1);
      expect(Number.isFinite(m.trainLoss)).toBe(true);
    }
    const signs = readJsonl(join(dir, 'signs.jsonl'));
    const roundSigns = signs.filter((s) => s.type === 'round-signs');
    expect(roundSigns.map((s) => s.round)).toEqual([0, 1, 2, 3]);
    expect(roundSigns.every((s) => typeof (s.flipVsAnchor as { value: number }).value === 'number')).toBe(
      true,
    );
    expect(
      roundSigns.slice(1).every((s) => typeof (s.flipVsPrevious as { value: number }).value === 'number'),
    ).toBe(true);
    expect(signs.filter((s) => s.type === 'rewind').map((s) => s.round)).toEqual([1, 2, 3]);
    expect(signs.filter((s) => s.type === 'epoch-flips').map((s) => s.round)).toEqual([0, 1, 2, 3]);
    const csv = readFileSync(join(dir, 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'round,density,test_accuracy,test_loss,validation_accuracy,train_loss,flip_vs_anchor,flip_vs_previous',
    );
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      '0,1',
      '1,0.8',
      '2,0.64',
      '3,0.512',
    ]);
  });
});

describe('rewinding', () => {
  it("IMP's rewound weights equal the anchor ⊙ mask exactly", () => {
    const anchor = savedParams(join(imp.dir, RUN_FILES.anchor));
    for (let r = 1; r <= 3; r++) {
      expect(plain(roundWeights(imp.dir, r, 'rewound')), `round ${r}`).toEqual(
        masked(anchor, roundMask(imp.dir, r)),
      );
    }
  });

  it("LRR's rewound weights equal the trained ones ⊙ mask exactly", () => {
    for (let r = 1; r <= 3; r++) {
      const trained = roundWeights(lrr.dir, r - 1, 'trained');
      expect(plain(roundWeights(lrr.dir, r, 'rewound')), `round ${r}`).toEqual(
        masked(trained, roundMask(lrr.dir, r)),
      );
    }
  });

  it('the anchor is the end of the warm-up: it differs from the init and IMP and LRR share it', () => {
    const init = plain(savedParams(join(imp.dir, RUN_FILES.init)));
    const anchor = plain(savedParams(join(imp.dir, RUN_FILES.anchor)));
    expect(anchor).not.toEqual(init);
    expect(plain(savedParams(join(lrr.dir, RUN_FILES.anchor)))).toEqual(anchor);
    expect(plain(roundWeights(lrr.dir, 0, 'trained'))).toEqual(plain(roundWeights(imp.dir, 0, 'trained')));
  });
});

describe('runExperiment', () => {
  it('leaks no tensor over a whole run', () => {
    expect(tensorsAfter - tensorsBefore).toBe(0);
  });

  it('emits run, round, prune and checkpoint events in order', () => {
    const types = lrrEvents.map((e) => e.type);
    expect(types[0]).toBe('run-start');
    expect(types.at(-1)).toBe('run-end');
    expect(
      lrrEvents.filter((e) => e.type === 'round-end').map((e) => (e as { round: number }).round),
    ).toEqual([0, 1, 2, 3]);
    expect(
      lrrEvents.filter((e) => e.type === 'prune').map((e) => (e as { density: number }).density),
    ).toEqual([0.8, 0.64, 0.512]);
    expect(types.filter((t) => t === 'checkpoint').length).toBeGreaterThanOrEqual(8);
  });

  it('is deterministic: the same recipe again gives identical files', async () => {
    const again = await runExperiment(lrrRecipe, { out: join(out, 'again') });
    expect(again.runId).toBe(lrr.runId);
    expect(again.dir).not.toBe(lrr.dir);
    expect(fingerprint(again.dir)).toEqual(fingerprint(lrr.dir));
  }, 60_000);

  it('returns a finished run at once, touching nothing', async () => {
    const before = fingerprint(lrr.dir);
    const doneTime = statSync(join(lrr.dir, 'done.json')).mtimeMs;
    const events: PrunekitEvent[] = [];
    const t0 = performance.now();
    const again = await runExperiment(lrrRecipe, { out, onEvent: (e) => events.push(e) });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(again.skipped).toBe(true);
    expect(again.runId).toBe(lrr.runId);
    expect(again.rounds).toEqual(lrr.rounds);
    expect(events).toEqual([]);
    expect(fingerprint(lrr.dir)).toEqual(before);
    expect(statSync(join(lrr.dir, 'done.json')).mtimeMs).toBe(doneTime);
    expect((await resumeRun(lrr.dir)).skipped).toBe(true);
  });

  it('an override makes another run, in another directory', async () => {
    const raw = applyOverrides(lrrRecipe, ['pruning.fraction=0.5', 'pruning.rounds=1']);
    const other = await runExperiment(raw, { out });
    expect(other.runId).not.toBe(lrr.runId);
    expect(other.runId).toBe(runId(resolveRecipe(raw)));
    expect(other.dir).toBe(runDirectory(out, other.runId));
    expect(roundMask(other.dir, 1).count()).toBe(125 - Math.floor(0.5 * 125)); // 63
    expect(other.rounds.map((r) => r.round)).toEqual([0, 1]);
  }, 60_000);

  it('refuses a model that does not fit the dataset', async () => {
    const wrong = {
      ...lrrRecipe,
      model: { name: 'mlp', options: { inputShape: [22], hidden: [5], classes: 4 } },
    };
    await expect(runExperiment(wrong, { out })).rejects.toThrow(
      /the model has 4 outputs, the dataset needs 3\. set model\.options\.classes to 3/,
    );
  });
});

describe('cross-run references', () => {
  it('a missing reference run fails before anything is written, naming the field and the directory', async () => {
    const missing = join(out, 'no-such-run');
    const recipe = {
      ...impRecipe,
      pruning: { rounds: 2, strategy: { name: 'from-run', options: { reference: missing } } },
    };
    const dir = runDirectory(out, runId(resolveRecipe(recipe)));
    const err = await runExperiment(recipe, { out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PruneError);
    expect((err as PruneError).code).toBe('E_REFERENCE');
    expect((err as PruneError).message).toContain(
      `pruning.strategy.options.reference: ${missing} is not a prunekit run directory`,
    );
    expect(existsSync(dir)).toBe(false);

    const signs = {
      ...impRecipe,
      rewind: {
        policy: { name: 'weight-rewind' },
        modifiers: [{ name: 'with-signs', options: { from: { run: missing } } }],
      },
    };
    await expect(runExperiment(signs, { out })).rejects.toThrow(
      `rewind.modifiers.0.options.from.run: ${missing} is not a prunekit run directory`,
    );
  });

  it('a reference run without the round needed fails with E_REFERENCE naming the round', async () => {
    // The reference has rounds 0..1 (pruning.rounds 1); this run needs its mask for round 2.
    const short = await runExperiment(
      applyOverrides(lrrRecipe, ['pruning.fraction=0.5', 'pruning.rounds=1']),
      { out },
    );
    const recipe = {
      ...impRecipe,
      pruning: { rounds: 2, strategy: { name: 'from-run', options: { reference: short.dir } } },
    };
    const err = await runExperiment(recipe, { out }).catch((e: unknown) => e);
    expect((err as PruneError).code).toBe('E_REFERENCE');
    expect((err as PruneError).message).toContain(`has masks for rounds 0..1, but this recipe needs round 2`);
    expect((err as PruneError).message).toContain(short.dir);
    // Checked before anything is trained: no round of this run was made.
    const dir = runDirectory(out, runId(resolveRecipe(recipe)));
    expect(existsSync(roundFile(dir, 0, 'trained'))).toBe(false);
  }, 60_000);

  it('a directory holding another recipe’s run is refused with E_CHECKPOINT', async () => {
    const other = resolveRecipe({ ...lrrRecipe, seed: 1 });
    const dir = runDirectory(out, runId(other));
    mkdirSync(dir, { recursive: true });
    cpSync(join(lrr.dir, 'recipe.json'), join(dir, 'recipe.json'));
    const err = await runExperiment(other, { out }).catch((e: unknown) => e);
    expect((err as PruneError).code).toBe('E_CHECKPOINT');
    expect((err as PruneError).message).toContain(`${dir} holds a run of another recipe`);
    expect(readdirSync(dir)).toEqual(['recipe.json']); // nothing written, lock released
  });
});

describe('locks', () => {
  it('a second process on the run directory gives E_LOCK; a stale lock from a dead process is taken over', async () => {
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const lock = join(lrr.dir, RUN_FILES.lock);
    try {
      writeFileSync(lock, `${holder.pid}@${hostname()}`);
      const err = await resumeRun(lrr.dir).catch((e: unknown) => e);
      expect((err as PruneError).code).toBe('E_LOCK');
      expect((err as PruneError).message).toContain(
        `run directory ${lrr.dir} is in use by process ${holder.pid}@${hostname()}`,
      );
      await expect(runExperiment(lrrRecipe, { out })).rejects.toThrow(/is in use by process/);
    } finally {
      const exited = new Promise((done) => holder.once('exit', done));
      holder.kill('SIGKILL');
      await exited;
    }
    // The holder is dead now: its lock is stale and taken over.
    expect(readFileSync(lock, 'utf8')).toBe(`${holder.pid}@${hostname()}`);
    const again = await resumeRun(lrr.dir);
    expect(again.skipped).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });
});

describe('NaN', () => {
  // lr 200 on the tiny mixture: the loss overflows after a few epochs (round 0, epoch 6, step 11
  // on wasm), so there are good epoch checkpoints before it.
  const diverging = {
    ...TINY,
    training: { ...TINY.training, warmup: '0it', epochs: '8ep', schedule: { kind: 'constant', lr: 200 } },
    pruning: { rounds: 1 },
  };

  it('stops with E_NAN naming round, epoch and step; the last checkpoint stays loadable and resume repeats the error', async () => {
    const err = await runExperiment(diverging, { out }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PruneError);
    expect((err as PruneError).code).toBe('E_NAN');
    const where =
      /^training loss became (NaN|-?Infinity) in round 0, epoch (\d+), step (\d+) \(lr 200\)/.exec(
        (err as PruneError).message,
      );
    expect(where, (err as PruneError).message).not.toBeNull();
    const [epoch, step] = [Number(where![2]), Number(where![3])];
    expect(epoch).toBeGreaterThan(1);
    expect(Math.ceil(step / 2)).toBe(epoch); // 2 steps per epoch

    const dir = runDirectory(out, runId(resolveRecipe(diverging)));
    expect(existsSync(join(dir, RUN_FILES.lock))).toBe(false);
    expect(existsSync(join(dir, RUN_FILES.done))).toBe(false);
    const state = JSON.parse(readFileSync(join(dir, RUN_FILES.state), 'utf8'));
    expect(state).toMatchObject({ round: 0, phase: 'train', step: 2 * (epoch - 1) }); // end of the last good epoch
    const saved = loadWeights(join(dir, 'checkpoint', `gen-${state.gen}.model.safetensors`)).weights;
    expect([...saved.values()].every((t) => t.data.every(Number.isFinite))).toBe(true);

    const files = (d: string) =>
      Object.fromEntries(
        readdirSync(d, { recursive: true, withFileTypes: true })
          .filter((f) => f.isFile())
          .map((f) => {
            const p = join(f.parentPath, f.name);
            return [p, readFileSync(p).toString('base64')];
          }),
      );
    const before = files(dir);
    const again = await resumeRun(dir).catch((e: unknown) => e);
    expect((again as PruneError).code).toBe('E_NAN');
    expect((again as PruneError).message).toBe((err as PruneError).message);
    expect(files(dir)).toEqual(before); // nothing earlier was damaged or rewritten differently
  }, 60_000);
});
