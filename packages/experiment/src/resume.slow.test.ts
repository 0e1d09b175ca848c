import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resumeRun, runExperiment } from './index.js';
import { fingerprint, tempDir } from './testing/fixtures.js';
import { type ChildResult, runChild } from './testing/spawn.js';

const recipe = {
  model: { name: 'mlp', options: { inputShape: [8], hidden: [16], classes: 3 } },
  dataset: { name: 'gaussian-mixture', options: { dims: 8, trainSize: 200, testSize: 60 } },
  training: { epochs: '2ep', batchSize: 32, warmup: '1ep' },
  pruning: { rounds: 2 },
  rewind: { policy: { name: 'weight-rewind' } },
  signs: { perturb: { every: '1ep', probability: 0.1 } },
};

const base = tempDir('pk-resume-');
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('resume after SIGKILL', () => {
  it('finishes with masks, weights and metrics bit-identical to an uninterrupted run', async () => {
    const recipeFile = join(base, 'recipe.json');
    writeFileSync(recipeFile, JSON.stringify(recipe));
    // The uninterrupted reference runs in this process (same wasm backend and kernels as the child).
    const ref = await runExperiment(recipe, { out: join(base, 'ref') });
    const expected = fingerprint(ref.dir);
    expect(Object.keys(expected)).toContain('rounds/2/mask.safetensors');

    // Kill points: after the n-th checkpoint (epoch ends, round ends, after rewinds) and after
    // the n-th step event — fixed numbers, so a failure reproduces. Checkpoints of this recipe:
    // 1 end of warm-up, 2–3 epochs of round 0, 4 round 0 done, 5 after the rewind, 6 mid-round 1.
    const kills: [string, number][] = [
      ['step', 5], // inside the warm-up, before its first checkpoint
      ['checkpoint', 1],
      ['checkpoint', 3],
      ['prune', 1], // mask of round 1 saved, rewind not yet
      ['checkpoint', 6],
      ['round-end', 2], // round 2 trained and evaluated, summary and done.json not yet
    ];
    // The crashing processes run two at a time; each resume then runs here.
    const killed: { on: string; n: number; out: string; result: ChildResult }[] = [];
    for (let i = 0; i < kills.length; i += 2) {
      const batch = kills.slice(i, i + 2).map(async ([on, n]) => {
        const out = join(base, `kill-${on}-${n}`);
        const result = await runChild(['run', recipeFile, out], {
          PRUNEKIT_KILL_ON: on,
          PRUNEKIT_KILL_AFTER: String(n),
        });
        return { on, n, out, result };
      });
      killed.push(...(await Promise.all(batch)));
    }
    for (const { on, n, out, result } of killed) {
      expect(result.signal, `${on} #${n}: ${result.stderr}`).toBe('SIGKILL');
      const dir = join(out, readdirSync(out)[0]!);
      expect(existsSync(join(dir, 'done.json'))).toBe(false);
      const resumed = await resumeRun(dir);
      expect(resumed.skipped).toBeUndefined();
      expect(fingerprint(dir), `killed at ${on} #${n}`).toEqual(expected);
    }
  }, 240_000);

  it('fine-tuning resumed between pruning and rewinding continues at the same last learning rate', async () => {
    // Fine-tuning trains round r+1 at the last LR of round r; a crash after the mask is saved
    // (checkpoint at the end of the round's training) must not change that LR on resume.
    const ft = { ...recipe, rewind: { policy: { name: 'fine-tune' } }, signs: {} };
    const ref = await runExperiment(ft, { out: join(base, 'ft-ref') });
    const recipeFile = join(base, 'ft.json');
    writeFileSync(recipeFile, JSON.stringify(ft));
    const out = join(base, 'ft-kill');
    const killed = await runChild(['run', recipeFile, out], {
      PRUNEKIT_KILL_ON: 'prune',
      PRUNEKIT_KILL_AFTER: '1',
    });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const dir = join(out, readdirSync(out)[0]!);
    await resumeRun(dir);
    expect(fingerprint(dir)).toEqual(fingerprint(ref.dir));
  }, 120_000);
});
