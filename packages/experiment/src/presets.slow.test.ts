import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Weights } from '@prunekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoPlaceholders, builtinPresets, createPresetRegistry, presetRecipe } from './presets.js';
import { applyOverrides, resolveRecipe } from './recipe.js';
import { RUN_FILES, readJsonl } from './run-dir.js';
import { type RunResult, runExperiment } from './runner.js';
import { TINY, masked, plain, roundMask, roundWeights, savedParams, tempDir } from './testing/fixtures.js';

const out = tempDir('pk-presets-');
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Which earlier preset run each reference-taking preset reads (its masks, counts or signs). */
const REFERENCE_OF: Record<string, 'imp' | 'lrr'> = {
  'imp-with-lrr-mask': 'lrr',
  'lrr-with-imp-mask': 'imp',
  'random-matched-imp': 'imp',
  'random-matched-lrr': 'lrr',
  'imp-with-lrr-signs': 'lrr',
};

/** A preset shrunk to the tiny MLP: 2 pruning rounds of 2 epochs (2 steps each) after a 1-epoch warm-up. */
function tinyPreset(name: string, reference?: string): Record<string, unknown> {
  const preset = createPresetRegistry().get(name);
  const sets = [
    `model=${JSON.stringify(TINY.model)}`,
    `dataset=${JSON.stringify(TINY.dataset)}`,
    'training.epochs=2ep',
    'training.warmup=1ep',
    'training.batchSize=32',
    'pruning.rounds=2',
  ];
  // Fill the placeholders the way a user does: --set <required path>=<run dir>.
  for (const path of preset.requires ?? []) sets.push(`${path}=${JSON.stringify(reference)}`);
  return applyOverrides(presetRecipe(preset), sets);
}

const results = new Map<string, RunResult>();
const order = [...builtinPresets.map((p) => p.name)].sort(
  (a, b) => Number(a in REFERENCE_OF) - Number(b in REFERENCE_OF),
);

beforeAll(async () => {
  // Presets without a reference first (IMP and LRR among them), then those reading them.
  for (const name of order) {
    const ref = REFERENCE_OF[name];
    results.set(
      name,
      await runExperiment(tinyPreset(name, ref ? results.get(ref)!.dir : undefined), { out }),
    );
  }
}, 180_000);

const KEPT = [125, 100, 80];
const sign = (v: number) => (v > 0 ? 1 : v < 0 ? -1 : 0);

describe('every preset runs end to end on the tiny MLP', () => {
  it('covers every built-in preset, and every placeholder is a listed required field', () => {
    expect([...results.keys()].sort()).toEqual(builtinPresets.map((p) => p.name).sort());
    for (const p of builtinPresets) {
      if (!p.requires) {
        expect(() => assertNoPlaceholders(presetRecipe(p), p)).not.toThrow();
        continue;
      }
      expect(REFERENCE_OF[p.name], `${p.name} needs a reference run in this test`).toBeDefined();
      expect(() => assertNoPlaceholders(presetRecipe(p), p)).toThrow(
        `preset '${p.name}' needs a run directory at ${p.requires.join(', ')}`,
      );
    }
  });

  it.each(builtinPresets.map((p) => [p.name]))(
    '%s: three rounds, shrinking masks, pruned weights zero',
    (name) => {
      const { dir, rounds } = results.get(name)!;
      expect(rounds.map((r) => r.round)).toEqual([0, 1, 2]);
      const recipe = resolveRecipe(JSON.parse(readFileSync(join(dir, RUN_FILES.recipe), 'utf8')).recipe);
      expect(recipe).toEqual(
        resolveRecipe(
          tinyPreset(name, REFERENCE_OF[name] ? results.get(REFERENCE_OF[name])!.dir : undefined),
        ),
      );
      for (let r = 1; r <= 2; r++) {
        const mask = roundMask(dir, r);
        expect(mask.isSubsetOf(roundMask(dir, r - 1))).toBe(true);
        // fraction 0.2 of the survivors per round; random allocations round per layer
        expect(
          Math.abs(mask.count() - KEPT[r]!),
          `${name} round ${r}: ${mask.count()} kept`,
        ).toBeLessThanOrEqual(2);
        const rewound = roundWeights(dir, r, 'rewound');
        for (const [p, m] of mask.entries())
          m.data.forEach((keep, i) => {
            if (!keep) expect(rewound.get(p)!.data[i]).toBe(0);
          });
      }
      for (const m of rounds) expect(Number.isFinite(m.testLoss)).toBe(true);
    },
  );
});

describe('what each preset does', () => {
  let anchorOf: (name: string) => Weights;
  beforeAll(() => {
    anchorOf = (name) => savedParams(join(results.get(name)!.dir, RUN_FILES.anchor));
  });

  const dir = (name: string) => results.get(name)!.dir;

  it('magnitude-global presets keep exactly n − ⌊0.2·n⌋ weights per round', () => {
    for (const name of [
      'imp',
      'lrr',
      'fine-tune',
      'lrr-bn-rewind',
      'imp-own-signs',
      'lrr-initial-signs',
      'fixed-signs',
      'paper-cifar10',
    ]) {
      expect(
        [0, 1, 2].map((r) => roundMask(dir(name), r).count()),
        name,
      ).toEqual(KEPT);
    }
  });

  it('weight-rewinding presets rewind to the anchor ⊙ mask; LRR-like ones keep trained ⊙ mask', () => {
    for (const name of ['imp', 'imp-with-lrr-mask', 'random-matched-imp', 'random-erk-imp']) {
      for (const r of [1, 2])
        expect(plain(roundWeights(dir(name), r, 'rewound')), `${name} ${r}`).toEqual(
          masked(anchorOf(name), roundMask(dir(name), r)),
        );
    }
    for (const name of [
      'lrr',
      'lrr-with-imp-mask',
      'random-matched-lrr',
      'random-erk',
      'fine-tune',
      'lrr-bn-rewind',
      'paper-cifar10',
      'paper-cifar100',
    ]) {
      for (const r of [1, 2]) {
        expect(plain(roundWeights(dir(name), r, 'rewound')), `${name} ${r}`).toEqual(
          masked(roundWeights(dir(name), r - 1, 'trained'), roundMask(dir(name), r)),
        );
      }
    }
  });

  it('IMP with the LRR mask and LRR with the IMP mask use the reference masks round by round', () => {
    for (const r of [0, 1, 2]) {
      expect(roundMask(dir('imp-with-lrr-mask'), r).equals(roundMask(dir('lrr'), r))).toBe(true);
      expect(roundMask(dir('lrr-with-imp-mask'), r).equals(roundMask(dir('imp'), r))).toBe(true);
    }
  });

  it('random matched masks have the reference per-layer counts but other weights', () => {
    for (const [name, ref] of [
      ['random-matched-imp', 'imp'],
      ['random-matched-lrr', 'lrr'],
    ] as const) {
      for (const r of [1, 2]) {
        expect(roundMask(dir(name), r).layerCounts()).toEqual(roundMask(dir(ref), r).layerCounts());
        expect(roundMask(dir(name), r).equals(roundMask(dir(ref), r))).toBe(false);
      }
    }
  });

  it('random-uniform keeps the same density in every layer; random-balanced the same count, capped at the layer size', () => {
    for (const r of [1, 2]) {
      const uniform = roundMask(dir('random-uniform'), r);
      const d = Object.values(uniform.layerDensity());
      expect(Math.max(...d) - Math.min(...d)).toBeLessThan(0.05);
      // An equal share (50, then 40) is more than fc2's 15 weights: fc2 stays whole, fc1 takes the rest.
      expect(roundMask(dir('random-balanced'), r).layerCounts()).toEqual({
        'fc1.weight': KEPT[r]! - 15,
        'fc2.weight': 15,
      });
    }
  });

  it('IMP with LRR signs: |anchor| with the signs of the LRR run’s trained weights of the same round', () => {
    for (const r of [1, 2]) {
      const rewound = roundWeights(dir('imp-with-lrr-signs'), r, 'rewound');
      const source = roundWeights(dir('lrr'), r - 1, 'trained');
      const anchor = anchorOf('imp-with-lrr-signs');
      const mask = roundMask(dir('imp-with-lrr-signs'), r);
      for (const [p, m] of mask.entries()) {
        m.data.forEach((keep, i) => {
          if (!keep) return;
          const a = anchor.get(p)!.data[i]!;
          const s = sign(source.get(p)!.data[i]!);
          expect(rewound.get(p)!.data[i]).toBe(s === 0 ? a : s * Math.abs(a));
        });
      }
    }
  });

  it('IMP with its own signs: |anchor| ⊙ sign(trained); shuffled: the same signs, anchor magnitudes permuted per layer', () => {
    for (const name of ['imp-own-signs', 'imp-own-signs-shuffled']) {
      for (const r of [1, 2]) {
        const rewound = roundWeights(dir(name), r, 'rewound');
        const trained = roundWeights(dir(name), r - 1, 'trained');
        const anchor = anchorOf(name);
        for (const [p, m] of roundMask(dir(name), r).entries()) {
          const kept = [...m.data.keys()].filter((i) => m.data[i]);
          for (const i of kept) {
            const s = sign(trained.get(p)!.data[i]!);
            if (s !== 0) expect(sign(rewound.get(p)!.data[i]!), `${name} ${p}[${i}]`).toBe(s);
          }
          const mags = (w: Weights) => kept.map((i) => Math.abs(w.get(p)!.data[i]!)).sort((a, b) => a - b);
          expect(mags(rewound)).toEqual(mags(anchor));
          if (name === 'imp-own-signs')
            for (const i of kept)
              expect(Math.abs(rewound.get(p)!.data[i]!)).toBe(Math.abs(anchor.get(p)!.data[i]!));
        }
      }
    }
  });

  it('LRR forced back to the anchor signs: |trained| ⊙ sign(anchor)', () => {
    for (const r of [1, 2]) {
      const rewound = roundWeights(dir('lrr-initial-signs'), r, 'rewound');
      const trained = roundWeights(dir('lrr-initial-signs'), r - 1, 'trained');
      const anchor = anchorOf('lrr-initial-signs');
      for (const [p, m] of roundMask(dir('lrr-initial-signs'), r).entries()) {
        m.data.forEach((keep, i) => {
          if (!keep) return;
          const s = sign(anchor.get(p)!.data[i]!);
          const t = trained.get(p)!.data[i]!;
          expect(rewound.get(p)!.data[i]).toBe(s === 0 ? t : s * Math.abs(t));
        });
      }
    }
  });

  it('fixed-sign training keeps every weight at its initial sign (or zero)', () => {
    const init = savedParams(join(dir('fixed-signs'), RUN_FILES.init));
    for (const r of [0, 1, 2]) {
      const trained = roundWeights(dir('fixed-signs'), r, 'trained');
      for (const [p, m] of roundMask(dir('fixed-signs'), r).entries()) {
        m.data.forEach((keep, i) => {
          const w = trained.get(p)!.data[i]!;
          if (keep && w !== 0) expect(sign(w), `round ${r} ${p}[${i}]`).toBe(sign(init.get(p)!.data[i]!));
        });
      }
    }
  });

  it('sign perturbation flips signs after the first epoch of every round', () => {
    const perturbations = readJsonl(join(dir('sign-perturbation'), RUN_FILES.signs)).filter(
      (s) => s.type === 'perturbation',
    );
    expect(perturbations.map((p) => [p.round, p.epoch])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    for (const p of perturbations) expect(p.flipped as number).toBeGreaterThan(0);
    expect(readJsonl(join(dir('lrr'), RUN_FILES.signs)).some((s) => s.type === 'perturbation')).toBe(false);
  });

  it('fine-tuning trains on at the last learning rate; the paper presets keep their optimizer settings', () => {
    const rewinds = readJsonl(join(dir('fine-tune'), RUN_FILES.signs)).filter((s) => s.type === 'rewind');
    expect(rewinds.map((s) => String(s.policy).split(' ')[0])).toEqual(['fine-tune', 'fine-tune']);
    const stored = (name: string) =>
      resolveRecipe(JSON.parse(readFileSync(join(dir(name), RUN_FILES.recipe), 'utf8')).recipe);
    expect(stored('paper-cifar100').training.optimizer).toEqual({
      kind: 'sgd',
      momentum: 0.9,
      weightDecay: 1e-3,
      nesterov: false,
    });
    expect(stored('paper-cifar10').training.augment).toBe(true);
    // Different methods on the same data and init: the dense round is shared, later rounds differ.
    expect(plain(roundWeights(dir('fine-tune'), 0, 'trained'))).toEqual(
      plain(roundWeights(dir('lrr'), 0, 'trained')),
    );
    expect(plain(roundWeights(dir('fine-tune'), 2, 'trained'))).not.toEqual(
      plain(roundWeights(dir('lrr'), 2, 'trained')),
    );
  });
});
