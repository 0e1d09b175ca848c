import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import type { Batch } from './dataset.js';
import type { Weights } from './host.js';
import type { Mask } from './mask.js';
import type { ModelSnapshot, ParamInfo, PrunableModel } from './params.js';
import type { Plugin } from './plugin.js';
import type { Rng } from './rng.js';
import type { StepString } from './step.js';

// ---------------------------------------------------------------------------------------------
// Cross-run references
// ---------------------------------------------------------------------------------------------

/** Which weights of a finished round to read from a run directory. */
export type RoundWeights = 'trained' | 'rewound';

/**
 * Read access to another (finished or running) run: what "IMP with the LRR mask" and "IMP with
 * LRR signs" need. Implemented by `@prunekit/experiment` over a run directory.
 */
export interface RunReader {
  /** The run directory. */
  readonly dir: string;
  /** Highest round whose mask is saved (0 = only the dense run). */
  lastRound(): number;
  /** The mask in force during round `round` (round 0: all ones). Throws `E_REFERENCE` if absent. */
  mask(round: number): Promise<Mask>;
  /** Weights at the end of training in `round` ('trained') or after its rewind ('rewound'). */
  weights(round: number, which: RoundWeights): Promise<ModelSnapshot>;
  /** The rewind anchor θ_k of the run. */
  anchor(): Promise<ModelSnapshot>;
}

/** Opens a run directory for reading; throws `E_REFERENCE` naming the path if there is no run. */
export type RunResolver = (dir: string) => RunReader;

// ---------------------------------------------------------------------------------------------
// Mask strategies
// ---------------------------------------------------------------------------------------------

/**
 * How many weights a pruning step keeps. `fraction`: prune that fraction of the weights that
 * survive now (the paper: 0.2 per round). `density`: keep this fraction of all prunable weights.
 */
export type PruneTarget =
  | { readonly kind: 'fraction'; readonly fraction: number }
  | { readonly kind: 'density'; readonly density: number };

/** Everything a mask strategy may look at. All host data is borrowed: do not mutate. */
export interface MaskContext {
  /** The model's parameters (prunable and not). */
  readonly params: readonly ParamInfo[];
  /** Current weights of every parameter. */
  readonly weights: Weights;
  /** The mask in force now; the new mask must lie inside it. */
  readonly mask: Mask;
  /**
   * Pruning level ℓ (1-based): the round the new mask is for. Round 0 is the dense round; the
   * mask made after training round ℓ−1 is the mask of round ℓ.
   */
  readonly round: number;
  /** How much to keep. */
  readonly target: PruneTarget;
  /** Seeded generator for random choices (masks seed). */
  readonly rng: Rng;
  /** The live model, for gradient-based scores (SNIP, SynFlow). Borrowed. */
  readonly model?: PrunableModel;
  /** Yields training batches (caller of the function disposes them), for data-dependent scores. */
  readonly batches?: () => Iterable<Batch>;
  /** The loss the model is trained with: `(output, y) => scalar`. */
  readonly loss?: (output: Tensor, y: Tensor) => Scalar;
  /** Opens other runs, for `from-run` and matched masks. */
  readonly runs?: RunResolver;
}

/**
 * A mask strategy: returns the next mask, inside `ctx.mask`.
 *
 * @example
 * ```ts
 * const next = await strategy.prune(ctx, resolveOptions(strategy, { }));
 * ```
 */
export interface MaskStrategy<Options = Record<string, unknown>> extends Plugin<Options> {
  prune(ctx: MaskContext, options: Options): Mask | Promise<Mask>;
}

// ---------------------------------------------------------------------------------------------
// Optimizer state and rewind policies
// ---------------------------------------------------------------------------------------------

/** An optimizer's state on the host: its step counter and per-parameter slots. */
export interface OptimizerState {
  /** `sgd` or `adam` (or a third party's). */
  readonly kind: string;
  /** Optimizer steps taken. */
  readonly step: number;
  /** Slots keyed `${param}/${slot}`, e.g. `conv1.weight/momentum`. */
  readonly slots: Weights;
}

/**
 * What the learning-rate schedule does in the next phase.
 * - `restart`: the per-round schedule starts over, at step `fromStep` of it (weight rewinding to
 *   step k of a schedule replays it from k; LRR restarts at 0).
 * - `constant`: keep training at a fixed learning rate (`'last'`: the final LR of the round that
 *   just ended — fine-tuning), optionally for `length` instead of the round length.
 */
export type ScheduleDirective =
  | { readonly kind: 'restart'; readonly fromStep: number }
  | { readonly kind: 'constant'; readonly lr: number | 'last'; readonly length?: StepString };

/** Everything a rewind policy may look at, on the host. All borrowed: do not mutate. */
export interface RewindContext {
  readonly params: readonly ParamInfo[];
  /** The mask just computed for the next round. */
  readonly mask: Mask;
  /** The round whose training just ended (0 = the dense round); the next round is `round + 1`. */
  readonly round: number;
  /** Weights and state at the end of the round's training. */
  readonly trained: ModelSnapshot;
  /** The rewind anchor θ_k (for k = 0 this equals `init`). */
  readonly anchor: ModelSnapshot;
  /** The initialization θ_0. */
  readonly init: ModelSnapshot;
  /** Optimizer state at the end of the round, and at the anchor. */
  readonly optimizer: { readonly trained: OptimizerState; readonly anchor: OptimizerState };
  /** Step of the first run the anchor was taken at (iterations). */
  readonly anchorStep: number;
  /** Seeded generator (rewind seed). */
  readonly rng: Rng;
  /** A fresh initialization from a seed (the model's own rule), for `random-reinit`. */
  readonly initialize?: (seed: number) => ModelSnapshot;
  /** Opens other runs, for signs taken from another run. */
  readonly runs?: RunResolver;
}

/** What to train next: weights (the runner multiplies by the mask), optimizer state, schedule. */
export interface RewindResult {
  readonly weights: ModelSnapshot;
  /** Optimizer state to continue with; `null` starts a fresh optimizer. */
  readonly optimizer: OptimizerState | null;
  readonly schedule: ScheduleDirective;
}

/**
 * A rewind policy: decides what is reset after pruning.
 *
 * @example
 * ```ts
 * const next = await lrRewind.apply(ctx, {}); // LRR: keep weights, restart the LR schedule
 * ```
 */
export interface RewindPolicy<Options = Record<string, unknown>> extends Plugin<Options> {
  apply(ctx: RewindContext, options: Options): RewindResult | Promise<RewindResult>;
}

/**
 * A modifier applied on top of any policy's result (sign transfer, magnitude shuffling,
 * re-initialization). Modifiers compose left to right.
 */
export interface RewindModifier<Options = Record<string, unknown>> extends Plugin<Options> {
  modify(result: RewindResult, ctx: RewindContext, options: Options): RewindResult | Promise<RewindResult>;
}

// ---------------------------------------------------------------------------------------------
// Sign metrics
// ---------------------------------------------------------------------------------------------

/** Two weight sets compared under a mask. */
export interface SignMetricContext {
  readonly params: readonly ParamInfo[];
  readonly a: Weights;
  readonly b: Weights;
  /** Only weights kept by the mask are compared. */
  readonly mask: Mask;
}

/** A metric's result: overall value, per layer, and optional extra numbers. */
export interface SignReport {
  readonly value: number;
  readonly perLayer: Readonly<Record<string, number>>;
  readonly details?: Readonly<Record<string, number>>;
}

/**
 * A sign metric such as the flip fraction.
 *
 * @example
 * ```ts
 * flipFraction.compute({ params, a: anchor.params, b: trained.params, mask }, {}).value;
 * ```
 */
export interface SignMetric<Options = Record<string, unknown>> extends Plugin<Options> {
  compute(ctx: SignMetricContext, options: Options): SignReport;
}

// ---------------------------------------------------------------------------------------------
// Learning-rate schedules
// ---------------------------------------------------------------------------------------------

/**
 * A learning-rate schedule over one training phase: a pure function of the step (0-based).
 *
 * @example
 * ```ts
 * const s: LrSchedule = { description: 'constant 0.1', lr: () => 0.1 };
 * ```
 */
export interface LrSchedule {
  /** Human-readable, e.g. `warmup(10ep) then cosine(0.1 → 0.01)`. */
  readonly description: string;
  /** Learning rate at `step` of the phase. */
  lr(step: number): number;
}
