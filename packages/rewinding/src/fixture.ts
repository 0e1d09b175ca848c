import {
  hostTensor,
  Mask,
  type ModelSnapshot,
  type OptimizerState,
  type ParamInfo,
  PruneError,
  type RewindContext,
  type RoundWeights,
  type RunReader,
  type Weights,
} from '@prunekit/core';
import { createRng } from '@prunekit/tensor';

/**
 * The run directory of the fixture's finished LRR run (readable through `ctx.runs`).
 *
 * @example
 * ```ts
 * const lrr = await rewindFixture().runs!(FIXTURE_LRR_RUN).weights(1, 'trained');
 * ```
 */
export const FIXTURE_LRR_RUN = 'runs/lrr';

/**
 * The fixture's parameters: two prunable 4-weight layers, a bias, batch-norm gamma/beta.
 *
 * @example
 * ```ts
 * FIXTURE_PARAMS.filter((p) => p.prunable).map((p) => p.name); // ['fc1.weight', 'fc2.weight']
 * ```
 */
export const FIXTURE_PARAMS: readonly ParamInfo[] = [
  { name: 'fc1.weight', shape: [2, 2], prunable: true, role: 'weight', layer: 'fc1', layerKind: 'dense' },
  { name: 'fc1.bias', shape: [2], prunable: false, role: 'bias', layer: 'fc1', layerKind: 'dense' },
  { name: 'bn1.gamma', shape: [2], prunable: false, role: 'bn-gamma', layer: 'bn1', layerKind: 'bn' },
  { name: 'bn1.beta', shape: [2], prunable: false, role: 'bn-beta', layer: 'bn1', layerKind: 'bn' },
  { name: 'fc2.weight', shape: [4, 1], prunable: true, role: 'weight', layer: 'fc2', layerKind: 'dense' },
];

type Values = Record<string, readonly number[]>;

function snapshot(params: Values, state: Values): ModelSnapshot {
  const p: Weights = new Map();
  for (const info of FIXTURE_PARAMS) p.set(info.name, hostTensor(info.shape, params[info.name]!));
  const s: Weights = new Map();
  for (const name of ['bn1.running_mean', 'bn1.running_var']) s.set(name, hostTensor([2], state[name]!));
  return { params: p, state: s };
}

function slots(values: Values): Weights {
  const w: Weights = new Map();
  for (const info of FIXTURE_PARAMS)
    w.set(`${info.name}/momentum`, hostTensor(info.shape, values[info.name]!));
  return w;
}

/**
 * The literal values of the fixture, for hand-checked tests (see {@link rewindFixture}).
 *
 * @example
 * ```ts
 * FIXTURE_VALUES.anchor.params['fc1.weight']; // [0.5, -0.2, 0.1, 0.3]
 * ```
 */
export const FIXTURE_VALUES = {
  init: {
    params: {
      'fc1.weight': [0.4, -0.3, 0.2, -0.1],
      'fc1.bias': [0, 0],
      'bn1.gamma': [1, 1],
      'bn1.beta': [0, 0],
      'fc2.weight': [-0.6, 0.5, -0.4, 0.3],
    },
    state: { 'bn1.running_mean': [0, 0], 'bn1.running_var': [1, 1] },
  },
  anchor: {
    params: {
      'fc1.weight': [0.5, -0.2, 0.1, 0.3],
      'fc1.bias': [0.01, -0.02],
      'bn1.gamma': [0.9, 1.1],
      'bn1.beta': [0.05, -0.05],
      'fc2.weight': [-0.7, 0.6, -0.5, 0.2],
    },
    state: { 'bn1.running_mean': [0.1, -0.1], 'bn1.running_var': [0.9, 1.2] },
  },
  trained: {
    params: {
      'fc1.weight': [-1, 2, 0, -3],
      'fc1.bias': [-0.2, -0.4],
      'bn1.gamma': [1.5, 0.5],
      'bn1.beta': [0.3, -0.3],
      'fc2.weight': [0.8, -0.9, 1.2, -0.05],
    },
    state: { 'bn1.running_mean': [0.4, -0.2], 'bn1.running_var': [2, 3] },
  },
  /** Momentum slots `${param}/momentum` at the end of the round (optimizer step 100). */
  momentumTrained: {
    'fc1.weight': [0.1, -0.1, 0.2, -0.2],
    'fc1.bias': [0.01, 0.02],
    'bn1.gamma': [0.03, -0.03],
    'bn1.beta': [0.04, -0.04],
    'fc2.weight': [0.5, -0.5, 0.25, -0.25],
  },
  /** Momentum slots at the anchor (optimizer step 20). */
  momentumAnchor: {
    'fc1.weight': [0.05, 0.05, -0.05, -0.05],
    'fc1.bias': [0.001, 0.002],
    'bn1.gamma': [0.003, 0.004],
    'bn1.beta': [0.005, 0.006],
    'fc2.weight': [0.07, -0.07, 0.07, -0.07],
  },
  /** The mask for the next round: fc1 keeps all four, fc2 prunes its last weight. */
  mask: { 'fc1.weight': [1, 1, 1, 1], 'fc2.weight': [1, 1, 1, 0] },
  /** The LRR run's end-of-training weights of round 1 (other params and state: as `trained`). */
  lrrRound1: {
    'fc1.weight': [0.7, -0.4, -0.2, 0.6],
    'fc2.weight': [-0.3, -0.8, 0.9, 0],
  },
  /** The LRR run's end-of-training weights of round 2. */
  lrrRound2: {
    'fc1.weight': [-0.6, 0.5, 0.3, -0.4],
    'fc2.weight': [0.2, 0.7, -0.8, 0],
  },
  anchorStep: 20,
} as const;

/** Options of {@link rewindFixture}. */
export interface RewindFixtureOptions {
  /** Seed of `ctx.rng` (default 0). */
  readonly seed?: number;
  /** `ctx.round` (default 1). */
  readonly round?: number;
}

/**
 * A small, literal rewind context for tests (the conformance suite runs on it): parameters
 * `fc1.weight` [2,2] and `fc2.weight` [4,1] (prunable), `fc1.bias`, `bn1.gamma`, `bn1.beta`; state
 * `bn1.running_mean`, `bn1.running_var`; SGD momentum slots; the mask `fc2.weight` = [1,1,1,0];
 * `anchorStep` 20; `initialize(seed)` draws a seeded init; `runs` opens the finished LRR run
 * {@link FIXTURE_LRR_RUN} (rounds 0–2). Values: {@link FIXTURE_VALUES}. Every call returns fresh
 * buffers, so tests may compare two contexts.
 *
 * @example
 * ```ts
 * const ctx = rewindFixture({ seed: 1 });
 * const next = await lrRewind.apply(ctx, {});
 * ```
 */
export function rewindFixture(options: RewindFixtureOptions = {}): RewindContext {
  const v = FIXTURE_VALUES;
  const trained = snapshot(v.trained.params, v.trained.state);
  const lrrRound = (round: number, which: RoundWeights): ModelSnapshot => {
    const base: Values = { ...v.trained.params, ...(round === 1 ? v.lrrRound1 : v.lrrRound2) };
    const snap = snapshot(round === 0 ? v.trained.params : base, v.trained.state);
    if (which === 'rewound') {
      for (const [name, m] of Object.entries(v.mask)) {
        const d = snap.params.get(name)!.data;
        m.forEach((keep, i) => {
          if (keep === 0) d[i] = 0;
        });
      }
    }
    return snap;
  };
  const reader: RunReader = {
    dir: FIXTURE_LRR_RUN,
    lastRound: () => 2,
    mask: async (round) => {
      if (round < 0 || round > 2)
        throw new PruneError('E_REFERENCE', `run '${FIXTURE_LRR_RUN}' has no round ${round}`);
      return round === 0 ? Mask.ones(FIXTURE_PARAMS) : Mask.fromRecord(maskRecord());
    },
    weights: async (round, which) => {
      if (round < 0 || round > 2) {
        throw new PruneError('E_REFERENCE', `run '${FIXTURE_LRR_RUN}' has no round ${round} (last round: 2)`);
      }
      return lrrRound(round, which);
    },
    anchor: async () => snapshot(v.anchor.params, v.anchor.state),
  };
  const optimizer = (step: number, values: Values): OptimizerState => ({
    kind: 'sgd',
    step,
    slots: slots(values),
  });
  return {
    params: FIXTURE_PARAMS,
    mask: Mask.fromRecord(maskRecord()),
    round: options.round ?? 1,
    trained,
    anchor: snapshot(v.anchor.params, v.anchor.state),
    init: snapshot(v.init.params, v.init.state),
    optimizer: {
      trained: optimizer(100, v.momentumTrained),
      anchor: optimizer(v.anchorStep, v.momentumAnchor),
    },
    anchorStep: v.anchorStep,
    rng: createRng(options.seed ?? 0),
    initialize: (seed) => {
      const rng = createRng(seed);
      const draw = (n: number, scale: number) => Array.from({ length: n }, () => rng.normal() * scale);
      return snapshot(
        {
          'fc1.weight': draw(4, 0.5),
          'fc1.bias': [0, 0],
          'bn1.gamma': [1, 1],
          'bn1.beta': [0, 0],
          'fc2.weight': draw(4, 0.5),
        },
        { 'bn1.running_mean': [0, 0], 'bn1.running_var': [1, 1] },
      );
    },
    runs: (dir) => {
      if (dir !== FIXTURE_LRR_RUN) {
        throw new PruneError(
          'E_REFERENCE',
          `no run at '${dir}' (the fixture knows only '${FIXTURE_LRR_RUN}')`,
        );
      }
      return reader;
    },
  };
}

function maskRecord() {
  return {
    'fc1.weight': { shape: [2, 2], data: FIXTURE_VALUES.mask['fc1.weight'] },
    'fc2.weight': { shape: [4, 1], data: FIXTURE_VALUES.mask['fc2.weight'] },
  };
}
