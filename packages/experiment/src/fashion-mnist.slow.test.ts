// The acceptance run: a short LRR and a short IMP run on the real Fashion-MNIST files
// (Debian `dataset-fashion-mnist`, installed by CI) with LeNet-300-100, from the recipe files in
// examples/recipes/, each killed with SIGKILL mid-run and resumed bit-identically.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyOverrides,
  parseRecipe,
  parseYamlObject,
  recipeJsonSchema,
  resumeRun,
  runExperiment,
} from './index.js';
import { fingerprint, roundMask, tempDir } from './testing/fixtures.js';
import { runChild } from './testing/spawn.js';

const DATA = '/usr/share/datasets/fashion-mnist';
const RECIPES = resolve(__dirname, '../../../examples/recipes');
const base = tempDir('pk-fmnist-');
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** The example recipe, shrunk to fit the test budget (2,000 images, 2 rounds, 1 epoch each). */
function recipeFrom(file: string) {
  const raw = applyOverrides(parseYamlObject(readFileSync(join(RECIPES, file), 'utf8'), file), [
    `dataset.options.dir=${DATA}`,
    'dataset.options.limit=2000',
    'training.epochs=1ep',
    'pruning.rounds=2',
  ]);
  return parseRecipe(JSON.stringify(raw), file);
}

describe('Fashion-MNIST, LeNet-300-100, from the example recipe files', () => {
  it('the example recipes are valid and their JSON Schema is current', () => {
    expect(JSON.parse(readFileSync(join(RECIPES, 'recipe.schema.json'), 'utf8'))).toEqual(recipeJsonSchema());
    for (const f of readdirSync(RECIPES).filter((x) => x.endsWith('.yaml'))) {
      expect(() => parseRecipe(readFileSync(join(RECIPES, f), 'utf8'), f)).not.toThrow();
    }
  });

  for (const [file, policy] of [
    ['lrr-fashion-mnist.yaml', 'lr-rewind'],
    ['imp-fashion-mnist.yaml', 'weight-rewind'],
  ] as const) {
    it(`${policy}: runs, writes the run directory, and resumes bit-identically after SIGKILL`, async () => {
      if (!existsSync(DATA)) {
        throw new Error(`${DATA} is missing: install the Debian package dataset-fashion-mnist (CI does)`);
      }
      const recipe = recipeFrom(file);
      expect(recipe.rewind.policy.name).toBe(policy);
      const ref = await runExperiment(recipe, { out: join(base, `${policy}-ref`) });
      // The run directory holds what the issue lists.
      for (const f of [
        'recipe.json',
        'init.safetensors',
        'anchor.safetensors',
        'metrics.jsonl',
        'signs.jsonl',
        'summary.csv',
        'done.json',
      ]) {
        expect(existsSync(join(ref.dir, f)), f).toBe(true);
      }
      expect(ref.rounds.map((r) => r.density)).toEqual([
        1,
        roundMask(ref.dir, 1).density(),
        roundMask(ref.dir, 2).density(),
      ]);
      expect(roundMask(ref.dir, 2).density()).toBeCloseTo(0.64, 3); // (1 − 0.2)², global magnitude
      expect(ref.rounds[0]!.testAccuracy).toBeGreaterThan(0.6); // real data, real learning (chance: 0.1)

      const recipeFile = join(base, `${policy}.json`);
      writeFileSync(recipeFile, JSON.stringify(recipe));
      const out = join(base, `${policy}-kill`);
      // Killed after the 3rd checkpoint: inside round 0, after the warm-up.
      const killed = await runChild(['run', recipeFile, out], {
        PRUNEKIT_KILL_ON: 'checkpoint',
        PRUNEKIT_KILL_AFTER: '3',
      });
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const dir = join(out, readdirSync(out)[0]!);
      expect(existsSync(join(dir, 'done.json'))).toBe(false);
      await resumeRun(dir);
      expect(fingerprint(dir)).toEqual(fingerprint(ref.dir));
    }, 240_000);
  }
});
