import type { MaskContext, ParamInfo, z } from '@prunekit/core';

/** Options of a part that takes none. */
export type NoOptions = Record<never, never>;

/**
 * The zod schemas of a part's options, one per field (a zod "raw shape"). `composeStrategy`
 * merges the shapes of a strategy's score, allocation and selection into one strict schema.
 */
export type OptionShape<O> = { readonly [K in keyof O]-?: z.ZodType<O[K]> };

/**
 * What the three parts of a strategy have in common: a name (the registry name), a description,
 * default options and their zod shape.
 */
export interface StrategyPart<O> {
  /** Registry name, kebab-case (`magnitude`, `erk`, `channel`). */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** The paper or code the part follows, if any. */
  readonly reference?: string;
  /** Default options. */
  readonly defaults: O;
  /** One zod schema per option field. */
  readonly shape: OptionShape<O>;
}

/**
 * Per-weight scores, one `Float32Array` per prunable parameter (row-major, same length as the
 * parameter). Higher scores are kept. A score function returns fresh arrays: the caller owns
 * them and may overwrite them (pruned weights are set to `-Infinity` before selection).
 */
export type ScoreMap = Map<string, Float32Array>;

/**
 * A score: how important each weight is. Magnitude is `|w|`; SNIP is `|w · ∂L/∂w|`.
 *
 * @example
 * ```ts
 * const squared: Score<NoOptions> = {
 *   name: 'squared', description: 'w²', defaults: {}, shape: {},
 *   score: (ctx) => new Map(ctx.mask.names().map((n) => [n, ctx.weights.get(n)!.data.map((w) => w * w)])),
 * };
 * ```
 */
export interface Score<O = NoOptions> extends StrategyPart<O> {
  /** Scores for (at least) every parameter of `ctx.mask`. May be async (gradient scores). */
  score(ctx: MaskContext, options: O): ScoreMap | Promise<ScoreMap>;
  /**
   * How many score → select steps one pruning step takes (SynFlow: 100). The kept count goes
   * from the current one to the target along an exponential schedule. Default 1.
   */
  iterations?(options: O): number;
}

/** What an allocation sees of one prunable parameter, in units of the selection. */
export interface LayerUnits {
  /** Parameter name. */
  readonly name: string;
  /** Its description (shape, layer, kind). */
  readonly info: ParamInfo;
  /** Units in the parameter (weights, or output channels for structured selection). */
  readonly total: number;
  /** Units that survive in the current mask. */
  readonly alive: number;
}

/** The input of an allocation. */
export interface AllocationInput {
  /** The pruning context (for reference masks and run directories). */
  readonly ctx: MaskContext;
  /** Name of the strategy, for messages. */
  readonly strategy: string;
  /** The parameters being pruned, in model order. */
  readonly layers: readonly LayerUnits[];
  /**
   * Total units to keep, from `ctx.target` (see `keepCount`). Allocations that derive their own
   * counts (matched, explicit) may ignore it.
   */
  readonly keep: number;
  /** What one unit is: `weight` (unstructured) or `channel`. */
  readonly unit: string;
}

/**
 * How many units to keep: one global pool (one threshold over all layers) or a count per layer.
 * Per-layer counts must be integers in `[0, alive]`.
 */
export type AllocationResult =
  | { readonly kind: 'global'; readonly keep: number }
  | { readonly kind: 'per-layer'; readonly counts: ReadonlyMap<string, number> };

/**
 * An allocation: how many units each layer keeps (global, uniform, ERK, balanced, matched, explicit).
 *
 * @example
 * ```ts
 * const half: Allocation<NoOptions> = {
 *   name: 'half', description: 'keep half of every layer', defaults: {}, shape: {},
 *   allocate: ({ layers }) => ({ kind: 'per-layer', counts: new Map(layers.map((l) => [l.name, Math.floor(l.alive / 2)])) }),
 * };
 * ```
 */
export interface Allocation<O = NoOptions> extends StrategyPart<O> {
  allocate(input: AllocationInput, options: O): AllocationResult | Promise<AllocationResult>;
}

/** Scores and liveness at the level of a selection's units (weights or channels). */
export interface UnitScores {
  /** One score per unit; dead units hold `-Infinity`. Owned by the caller. */
  readonly scores: Float32Array;
  /** 1 for units that survive in the current mask (may be borrowed: do not mutate). */
  readonly alive: Uint8Array;
  /** Number of surviving units. */
  readonly aliveCount: number;
}

/**
 * A selection: what a unit is, how weight scores become unit scores, and how kept units become
 * a weight mask. Unstructured: a unit is a weight. Channel: a unit is an output channel (last axis).
 *
 * @example
 * ```ts
 * import { unstructuredSelection } from '@prunekit/masks';
 * unstructuredSelection.unit; // 'weight'
 * ```
 */
export interface Selection<O = NoOptions> extends StrategyPart<O> {
  /** What one unit is, for messages and allocations (`weight`, `channel`). */
  readonly unit: string;
  /**
   * Parameters this selection leaves as they are (e.g. the classifier for channel pruning); they
   * take no part in the allocation and keep their current mask.
   */
  frozen?(prunable: readonly ParamInfo[], options: O): readonly string[];
  /**
   * Unit scores of one parameter. `scores` is owned by the caller and may be overwritten in place;
   * `mask` is the parameter's current mask (borrowed). Weights pruned in `mask` are dead: they must
   * not contribute to any unit, and a unit with no surviving weight is dead (`-Infinity`, not alive).
   */
  group(info: ParamInfo, scores: Float32Array, mask: Uint8Array, options: O): UnitScores;
  /**
   * The parameter's new mask from its kept units (only surviving units are ever kept), inside the
   * current `mask`. Returns an array the caller owns (it may be `keepUnits` itself).
   */
  expand(info: ParamInfo, keepUnits: Uint8Array, mask: Uint8Array, options: O): Uint8Array;
}
