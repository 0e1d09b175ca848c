// Test support: writes run and study directories in the formats of @prunekit/experiment
// (runner.ts, run-dir.ts, neuron-study.ts), with small literal numbers for hand-computed answers.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LAYERS = ['fc1/kernel', 'fc2/kernel', 'out/kernel'] as const;

/** One round of a fixture run. */
export interface FixtureRound {
  readonly density: number;
  readonly acc: number;
  /** Per-layer density (in LAYERS order). */
  readonly layers: readonly [number, number, number];
  /** Flip fraction vs anchor, overall and per layer. */
  readonly anchor: number;
  readonly anchorLayers: readonly [number, number, number];
  /** Flip fraction vs the previous round (rounds ≥ 1). */
  readonly previous?: number;
  /** Per-epoch flip fractions inside the round. */
  readonly epochs: readonly number[];
}

export function recipe(
  policy: 'weight-rewind' | 'lr-rewind',
  seed: number,
  extra: Record<string, unknown> = {},
) {
  return {
    seed,
    seeds: {},
    model: { name: 'lenet-300-100', options: {} },
    dataset: { name: 'fashion-mnist', options: { limit: 600 } },
    training: { batchSize: 64, epochs: '3ep', warmup: '0it', augment: false },
    pruning: { rounds: 3, fraction: 0.2, strategy: { name: 'magnitude-global', options: {} } },
    rewind: { policy: { name: policy, options: {} }, anchor: 'warmup', modifiers: [] },
    signs: { track: true },
    evaluation: { everyEpoch: false, batchSize: 512 },
    ...extra,
  };
}

const perLayer = (v: readonly number[]) => Object.fromEntries(LAYERS.map((l, i) => [l, v[i]!]));

/** Write a run directory with `recipe.json`, `metrics.jsonl`, `signs.jsonl`, `summary.csv`, `done.json`. */
export function writeRun(
  dir: string,
  runRecipe: Record<string, unknown>,
  rounds: readonly FixtureRound[],
  options: { done?: boolean; runId?: string } = {},
): string {
  mkdirSync(dir, { recursive: true });
  const runId = options.runId ?? dir.split('/').pop()!;
  writeFileSync(join(dir, 'recipe.json'), `${JSON.stringify({ runId, recipe: runRecipe }, null, 2)}\n`);
  const metrics = rounds.map((r, i) => ({
    type: 'round',
    round: i,
    density: r.density,
    trainLoss: 0.5 - 0.01 * i,
    testLoss: 0.4 + 0.01 * i,
    testAccuracy: r.acc,
    layerDensity: perLayer(r.layers),
    seconds: 1.5,
  }));
  writeFileSync(join(dir, 'metrics.jsonl'), metrics.map((m) => `${JSON.stringify(m)}\n`).join(''));
  const signs: Record<string, unknown>[] = [];
  rounds.forEach((r, i) => {
    for (const [e, f] of r.epochs.entries()) {
      signs.push({
        type: 'epoch-flips',
        round: i,
        epoch: e + 1,
        flipFraction: f,
        flipped: Math.round(f * 1000),
        perLayer: perLayer([f, f, f]),
      });
    }
    const line: Record<string, unknown> = {
      type: 'round-signs',
      round: i,
      density: r.density,
      flipVsAnchor: { value: r.anchor, perLayer: perLayer(r.anchorLayers) },
      switches: {
        epochs: r.epochs.map((_, e) => e + 1),
        flipFractions: r.epochs,
        flips: [],
        totalFlips: 10,
        tracked: 100,
        flippedAtLeastOnce: 5,
        flippedAtLeastOnceFraction: 0.05,
        maxFlips: 2,
        histogram: [95, 4, 1],
      },
    };
    if (i > 0 && r.previous !== undefined)
      line.flipVsPrevious = { value: r.previous, perLayer: perLayer([r.previous, r.previous, r.previous]) };
    signs.push(line);
    if (i + 1 < rounds.length) {
      signs.push({
        type: 'rewind',
        round: i + 1,
        policy: String((runRecipe.rewind as { policy: { name: string } }).policy.name),
        flipVsTrained: { value: 0.01, perLayer: perLayer([0.01, 0.01, 0.01]) },
      });
    }
  });
  writeFileSync(join(dir, 'signs.jsonl'), signs.map((s) => `${JSON.stringify(s)}\n`).join(''));
  writeFileSync(
    join(dir, 'summary.csv'),
    `round,density,test_accuracy,test_loss,validation_accuracy,train_loss,flip_vs_anchor,flip_vs_previous\n${rounds
      .map((r, i) => [i, r.density, r.acc, 0.4, '', 0.5, r.anchor, r.previous ?? ''].join(','))
      .join('\n')}\n`,
  );
  if (options.done !== false) {
    writeFileSync(
      join(dir, 'done.json'),
      `${JSON.stringify({ runId, dir, rounds: metrics, seconds: 6, backend: 'wasm' }, null, 2)}\n`,
    );
  }
  return dir;
}

const D = [1, 0.8, 0.64, 0.512] as const;
const L: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [0.78, 0.85, 0.9],
  [0.6, 0.72, 0.81],
  [0.47, 0.61, 0.73],
];

/** Accuracy per group and seed, rounds 0..3 (hand-picked; the tests compute means from these). */
export const ACC = {
  'weight-rewind': [
    [0.9, 0.88, 0.85, 0.8],
    [0.92, 0.86, 0.83, 0.78],
  ],
  'lr-rewind': [
    [0.9, 0.91, 0.9, 0.89],
    [0.91, 0.9, 0.92, 0.87],
  ],
} as const;

/** Flip fraction vs anchor per group and seed, rounds 0..3. */
export const ANCHOR = {
  'weight-rewind': [
    [0.1, 0.12, 0.14, 0.16],
    [0.1, 0.1, 0.12, 0.2],
  ],
  'lr-rewind': [
    [0.2, 0.3, 0.35, 0.4],
    [0.2, 0.28, 0.33, 0.38],
  ],
} as const;

/** Flip fraction vs the previous round, rounds 1..3. */
export const PREVIOUS = {
  'weight-rewind': [
    [0.08, 0.07, 0.06],
    [0.06, 0.05, 0.04],
  ],
  'lr-rewind': [
    [0.05, 0.03, 0.02],
    [0.07, 0.03, 0.01],
  ],
} as const;

/** Per-epoch flips: 3 epochs per round. */
export const EPOCHS = {
  'weight-rewind': [0.03, 0.02, 0.01],
  'lr-rewind': [0.06, 0.04, 0.02],
} as const;

/** Rounds of one fixture run (group policy × seed index). */
export function fixtureRounds(policy: 'weight-rewind' | 'lr-rewind', s: 0 | 1): FixtureRound[] {
  return D.map((density, i) => ({
    density,
    acc: ACC[policy][s][i]!,
    layers: L[i]!,
    anchor: ANCHOR[policy][s][i]!,
    anchorLayers: [ANCHOR[policy][s][i]!, ANCHOR[policy][s][i]! / 2, 0.05 * i] as const,
    ...(i > 0 ? { previous: PREVIOUS[policy][s][i - 1]! } : {}),
    epochs: EPOCHS[policy].map((f) => f * (s + 1)),
  }));
}

/**
 * 2 groups (IMP = weight-rewind, LRR = lr-rewind) × 2 seeds × 4 rounds, in `root`. Returns the
 * run directories, IMP seeds first.
 */
export function writeFixtureRuns(root: string): string[] {
  const dirs: string[] = [];
  for (const policy of ['weight-rewind', 'lr-rewind'] as const) {
    for (const s of [0, 1] as const) {
      dirs.push(writeRun(join(root, `lenet.${policy}-s${s}`), recipe(policy, s), fixtureRounds(policy, s)));
    }
  }
  return dirs;
}

/** A one-neuron study directory (d = 1, 2, 5; 4 seeds each). */
export function writeFixtureStudy(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const dims = [1, 2, 5];
  // w₁ sign at init / after dense training per d and seed; IMP succeeds iff init > 0, LRR iff dense > 0.
  const init: Record<number, number[]> = { 1: [1, -1, -1, 1], 2: [1, -1, 1, -1], 5: [-1, -1, 1, -1] };
  const dense: Record<number, number[]> = { 1: [1, -1, -1, 1], 2: [1, 1, 1, -1], 5: [1, 1, 1, 1] };
  const rows: string[] = [];
  const rates: { d: number; method: string; successRate: number; n: number }[] = [];
  for (const d of dims) {
    let imp = 0;
    let lrr = 0;
    for (let s = 0; s < 4; s++) {
      const i = init[d]![s]!;
      const dn = dense[d]![s]!;
      for (const method of ['imp', 'lrr']) {
        const ok = method === 'imp' ? i > 0 : dn > 0;
        if (ok && method === 'imp') imp++;
        if (ok && method === 'lrr') lrr++;
        rows.push(
          [d, s, method, i, dn, ok ? 1 : -1, 1, 1, ok ? '1.00000e-5' : '0.125000', ok ? 1 : 0].join(','),
        );
      }
    }
    rates.push(
      { d, method: 'imp', successRate: imp / 4, n: 4 },
      { d, method: 'lrr', successRate: lrr / 4, n: 4 },
    );
  }
  const options = {
    dims,
    seeds: 4,
    seedOffset: 0,
    init: 'balanced',
    input: 'uniform',
    trainSize: 64,
    testSize: 128,
    lr: 0.05,
    steps: 500,
    threshold: 0.001,
  };
  writeFileSync(join(dir, 'neuron-study.json'), `${JSON.stringify({ options, rates }, null, 2)}\n`);
  writeFileSync(
    join(dir, 'neuron-study.csv'),
    `d,seed,method,sign_w1_init,sign_w1_dense,sign_w1_end,sign_a_init,sign_a_end,test_mse,success\n${rows.join('\n')}\n`,
  );
  return dir;
}
