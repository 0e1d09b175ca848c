/**
 * Test helpers: a tiny recipe (hand-checkable sizes), run-directory readers and a fingerprint
 * of a finished run for bit-identity checks. Not part of the package's API.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostTensor, Mask, Weights } from '@prunekit/core';
import { loadMask, loadWeights } from '@prunekit/tensor';
import { roundFile } from '../run-dir.js';

/**
 * An MLP 22 → 5 → 3 on a 3-class Gaussian mixture: 22·5 + 5·3 = 125 prunable weights, so 20%
 * global pruning keeps exactly 100, 80, 64, 51 (⌈0.8·n⌉ survivors: n − ⌊0.2·n⌋). 64 training
 * examples in batches of 32: 2 steps per epoch.
 */
export const TINY = {
  model: { name: 'mlp', options: { inputShape: [22], hidden: [5], classes: 3 } },
  dataset: { name: 'gaussian-mixture', options: { dims: 22, classes: 3, trainSize: 64, testSize: 30 } },
  training: { epochs: '1ep', batchSize: 32, warmup: '1ep', augment: false },
  pruning: { rounds: 3 },
} as const;

/** Prunable weights of {@link TINY}. */
export const TINY_PRUNABLE = 125;

/** A fresh temporary directory. */
export function tempDir(prefix = 'pk-exp-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Weights (params only, `state:` entries dropped) of `rounds/<r>/<kind>.safetensors`. */
export function roundWeights(dir: string, round: number, kind: 'trained' | 'rewound'): Weights {
  return paramsOnly(loadWeights(roundFile(dir, round, kind)).weights);
}

/** The mask of a round. */
export function roundMask(dir: string, round: number): Mask {
  return loadMask(roundFile(dir, round, 'mask'));
}

/** Params of a saved snapshot file in the run directory (e.g. `anchor.safetensors`). */
export function savedParams(path: string): Weights {
  return paramsOnly(loadWeights(path).weights);
}

function paramsOnly(w: Weights): Weights {
  return new Map([...w].filter(([k]) => !k.startsWith('state:')));
}

/** `w ⊙ m` with +0 at pruned positions, for names in the mask; other params as they are. */
export function masked(w: Weights, mask: Mask): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [name, t] of w) {
    const m = mask.has(name) ? mask.get(name).data : undefined;
    out.set(
      name,
      Array.from(t.data, (v, i) => (m && !m[i] ? 0 : v)),
    );
  }
  return out;
}

/** Plain arrays of every tensor, for `toEqual` (exact float32 values). */
export function plain(w: ReadonlyMap<string, HostTensor>): Map<string, number[]> {
  return new Map([...w].map(([k, t]) => [k, Array.from(t.data)]));
}

/**
 * Every file of a finished run that must be bit-identical between two runs of one recipe: the
 * safetensors files byte for byte, the JSONL files without timings, `summary.csv`.
 * `checkpoint/` (working state) and `recipe.json`/`done.json` (paths, timings) are left out.
 */
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel = '') => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, f.name);
      const r = rel ? `${rel}/${f.name}` : f.name;
      if (f.isDirectory()) {
        if (f.name !== 'checkpoint') walk(p, r);
      } else if (f.name.endsWith('.safetensors')) {
        out[r] = readFileSync(p).toString('base64');
      } else if (f.name.endsWith('.jsonl')) {
        out[r] = readFileSync(p, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.stringify({ ...JSON.parse(l), seconds: undefined }))
          .join('\n');
      } else if (f.name === 'summary.csv') {
        out[r] = readFileSync(p, 'utf8');
      }
    }
  };
  walk(dir);
  return out;
}
