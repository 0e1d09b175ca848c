import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PruneError } from '@prunekit/core';
import { z } from 'zod';
import { isDirectory, readJsonFile, readJsonlLines, validate } from './files.js';

/**
 * The files of a run directory that reports read (written by `@prunekit/experiment`).
 *
 * @example
 * ```ts
 * join(dir, RUN_FILE_NAMES.metrics); // '<dir>/metrics.jsonl'
 * ```
 */
export const RUN_FILE_NAMES = {
  recipe: 'recipe.json',
  metrics: 'metrics.jsonl',
  signs: 'signs.jsonl',
  done: 'done.json',
} as const;

/** A sign comparison: overall flip fraction and per layer. */
export interface FlipSummary {
  readonly value: number;
  readonly perLayer: Readonly<Record<string, number>>;
}

/** A `{type: 'round'}` line of `metrics.jsonl`: the evaluation after a round's training. */
export interface RoundRecord {
  readonly round: number;
  /** Fraction of prunable weights kept by the round's mask (1 = dense). */
  readonly density: number;
  readonly testAccuracy?: number;
  readonly testLoss?: number;
  readonly validationAccuracy?: number;
  readonly validationLoss?: number;
  readonly trainLoss?: number;
  /** Density of each prunable parameter. */
  readonly layerDensity: Readonly<Record<string, number>>;
  readonly seconds?: number;
}

/** A `{type: 'epoch'}` line of `metrics.jsonl` (runs with `evaluation.everyEpoch`). */
export interface EpochRecord extends Omit<RoundRecord, 'layerDensity'> {
  readonly epoch: number;
}

/** A `{type: 'round-signs'}` line of `signs.jsonl`. */
export interface RoundSignsRecord {
  readonly round: number;
  readonly density: number;
  /** Trained weights of this round vs the rewind anchor. */
  readonly flipVsAnchor: FlipSummary;
  /** Trained weights of this round vs those of the previous round (rounds ≥ 1). */
  readonly flipVsPrevious?: FlipSummary;
  /** Trained weights vs the same round of `signs.reference`. */
  readonly flipVsReference?: FlipSummary;
  /** Per-epoch switch summary of the round (sign tracking on). */
  readonly switches?: {
    readonly epochs: readonly number[];
    readonly flipFractions: readonly number[];
    readonly flippedAtLeastOnceFraction?: number | undefined;
    readonly totalFlips?: number | undefined;
  };
}

/** A `{type: 'epoch-flips'}` line of `signs.jsonl`: sign switches during one epoch of a round. */
export interface EpochFlipsRecord {
  readonly round: number;
  readonly epoch: number;
  readonly flipFraction: number;
  readonly flipped?: number;
  readonly perLayer: Readonly<Record<string, number>>;
}

/** A `{type: 'rewind'}` line of `signs.jsonl`: what the rewind after pruning did to the signs. */
export interface RewindRecord {
  readonly round: number;
  readonly policy: string;
  readonly flipVsTrained?: FlipSummary;
}

/** A `{type: 'perturbation'}` line of `signs.jsonl`. */
export interface PerturbationRecord {
  readonly round: number;
  readonly epoch: number;
  readonly flipped: number;
}

/** Everything a report uses from one run directory. */
export interface RunData {
  /** Absolute path of the run directory. */
  readonly dir: string;
  readonly runId: string;
  /** The resolved recipe from `recipe.json`, as stored. */
  readonly recipe: Readonly<Record<string, unknown>>;
  /** The seed settings, as text: `"0"`, or `"0 (init 3, data 1)"` with separate seeds. */
  readonly seed: string;
  /** Round records, sorted by round. */
  readonly rounds: readonly RoundRecord[];
  /** Per-epoch evaluations, sorted by round then epoch. */
  readonly epochs: readonly EpochRecord[];
  readonly roundSigns: readonly RoundSignsRecord[];
  readonly epochFlips: readonly EpochFlipsRecord[];
  readonly rewinds: readonly RewindRecord[];
  readonly perturbations: readonly PerturbationRecord[];
  /** Whether `done.json` exists (the run finished). */
  readonly finished: boolean;
}

// JSON has no NaN: the runner's JSON.stringify writes a NaN loss as null. Read null as "missing".
const num = z.number();
const maybe = z
  .number()
  .nullable()
  .optional()
  .transform((v) => (v === null ? undefined : v));
const round = z.number().int().nonnegative();
const density = z.number().min(0).max(1);
const perLayer = z.record(z.string(), z.number());
const flipSummary = z.object({ value: num.min(0).max(1), perLayer: perLayer.default({}) });

const evalFields = {
  round,
  density,
  testAccuracy: maybe,
  testLoss: maybe,
  validationAccuracy: maybe,
  validationLoss: maybe,
  trainLoss: maybe,
  seconds: maybe,
};
const roundSchema = z.object({ ...evalFields, layerDensity: z.record(z.string(), density).default({}) });
const epochSchema = z.object({ ...evalFields, epoch: z.number().int().nonnegative() });
const roundSignsSchema = z.object({
  round,
  density,
  flipVsAnchor: flipSummary,
  flipVsPrevious: flipSummary.optional(),
  flipVsReference: flipSummary.optional(),
  switches: z
    .object({
      epochs: z.array(num),
      flipFractions: z.array(num),
      flippedAtLeastOnceFraction: num.optional(),
      totalFlips: num.optional(),
    })
    .optional(),
});
const epochFlipsSchema = z.object({
  round,
  epoch: z.number().int().nonnegative(),
  flipFraction: num.min(0).max(1),
  flipped: num.optional(),
  perLayer: perLayer.default({}),
});
const rewindSchema = z.object({ round, policy: z.string(), flipVsTrained: flipSummary.optional() });
const perturbationSchema = z.object({ round, epoch: z.number().int().nonnegative(), flipped: num });
const recipeFileSchema = z.object({
  runId: z.string().min(1),
  recipe: z
    .object({
      seed: z.number().int().optional(),
      seeds: z.record(z.string(), z.number().int().optional()).optional(),
    })
    .loose(),
});
const typed = z.object({ type: z.string() }).loose();

/**
 * Read a run directory written by `@prunekit/experiment`: `recipe.json` (required),
 * `metrics.jsonl`, `signs.jsonl` and `done.json` (each optional while the run is in progress).
 * Every record is validated; unknown record types are skipped (newer runners may add some).
 *
 * Errors: `E_REFERENCE` when `dir` is not a run directory (names it and what is missing);
 * `E_DATA` for a malformed file or record (names `file:line` and the bad fields).
 *
 * @example
 * ```ts
 * const run = readRun('runs/lenet-300-100.fashion-mnist.lr-rewind-3f9a0c1d2e');
 * run.rounds.map((r) => [r.density, r.testAccuracy]);
 * ```
 */
export function readRun(dir: string): RunData {
  const abs = resolve(dir);
  const recipePath = join(abs, RUN_FILE_NAMES.recipe);
  if (!isDirectory(abs)) {
    throw new PruneError('E_REFERENCE', `run directory ${dir} does not exist`, {
      hint: 'pass a directory printed by `prunekit run` (e.g. runs/<run-id>)',
      where: dir,
    });
  }
  if (!existsSync(recipePath)) {
    throw new PruneError(
      'E_REFERENCE',
      `${dir} is not a prunekit run directory (no ${RUN_FILE_NAMES.recipe})`,
      {
        hint: 'pass a directory printed by `prunekit run` (e.g. runs/<run-id>), not its parent',
        where: dir,
      },
    );
  }
  const stored = validate(
    recipeFileSchema,
    readJsonFile(recipePath),
    recipePath,
    'recipe file ({runId, recipe})',
  );

  const metricsPath = join(abs, RUN_FILE_NAMES.metrics);
  const rounds: RoundRecord[] = [];
  const epochs: EpochRecord[] = [];
  for (const { line, value } of readJsonlLines(metricsPath)) {
    const where = `${metricsPath}:${line}`;
    const { type } = validate(typed, value, where, 'metrics record');
    if (type === 'round') {
      const r = validate(roundSchema, value, where, 'round record');
      if (rounds.some((x) => x.round === r.round)) {
        throw new PruneError('E_DATA', `${where}: a second record for round ${r.round}`, {
          hint: 'each round is recorded once; the file was edited or two runs wrote it',
          where,
        });
      }
      rounds.push(clean(r));
    } else if (type === 'epoch') {
      epochs.push(clean(validate(epochSchema, value, where, 'epoch record')));
    }
  }

  const signsPath = join(abs, RUN_FILE_NAMES.signs);
  const roundSigns: RoundSignsRecord[] = [];
  const epochFlips: EpochFlipsRecord[] = [];
  const rewinds: RewindRecord[] = [];
  const perturbations: PerturbationRecord[] = [];
  for (const { line, value } of readJsonlLines(signsPath)) {
    const where = `${signsPath}:${line}`;
    const { type } = validate(typed, value, where, 'signs record');
    if (type === 'round-signs')
      roundSigns.push(clean(validate(roundSignsSchema, value, where, 'round-signs record')));
    else if (type === 'epoch-flips')
      epochFlips.push(clean(validate(epochFlipsSchema, value, where, 'epoch-flips record')));
    else if (type === 'rewind') rewinds.push(clean(validate(rewindSchema, value, where, 'rewind record')));
    else if (type === 'perturbation')
      perturbations.push(validate(perturbationSchema, value, where, 'perturbation record'));
  }

  const donePath = join(abs, RUN_FILE_NAMES.done);
  const finished = existsSync(donePath);
  if (finished) readJsonFile(donePath); // a truncated done.json is reported, not ignored

  const byRound = <T extends { round: number }>(a: T, b: T) => a.round - b.round;
  const byEpoch = <T extends { round: number; epoch: number }>(a: T, b: T) =>
    a.round - b.round || a.epoch - b.epoch;
  return {
    dir: abs,
    runId: stored.runId,
    recipe: stored.recipe,
    seed: seedLabel(stored.recipe),
    rounds: rounds.sort(byRound),
    epochs: epochs.sort(byEpoch),
    roundSigns: roundSigns.sort(byRound),
    epochFlips: epochFlips.sort(byEpoch),
    rewinds: rewinds.sort(byRound),
    perturbations: perturbations.sort(byEpoch),
    finished,
  };
}

/**
 * The run directories directly inside `parent` (those holding a `recipe.json`), sorted by name.
 * `E_REFERENCE` if `parent` does not exist.
 *
 * @example
 * ```ts
 * await writeReport(findRunDirs('runs'), { out: 'report/report.html' });
 * ```
 */
export function findRunDirs(parent: string): string[] {
  if (!isDirectory(parent)) {
    throw new PruneError('E_REFERENCE', `directory ${parent} does not exist`, { where: parent });
  }
  return readdirSync(parent)
    .sort()
    .map((d) => join(parent, d))
    .filter((d) => existsSync(join(d, RUN_FILE_NAMES.recipe)));
}

/**
 * The seed settings of a recipe as text: `"0"`, `"0 (init 3)"`.
 *
 * @example
 * ```ts
 * seedLabel({ seed: 1, seeds: { init: 3 } }); // '1 (init 3)'
 * ```
 */
export function seedLabel(recipe: Readonly<Record<string, unknown>>): string {
  const seed = typeof recipe.seed === 'number' ? recipe.seed : 0;
  const seeds = (recipe.seeds ?? {}) as Record<string, unknown>;
  const extra = ['init', 'data', 'masks']
    .filter((k) => typeof seeds[k] === 'number' && seeds[k] !== seed)
    .map((k) => `${k} ${seeds[k]}`);
  return extra.length ? `${seed} (${extra.join(', ')})` : String(seed);
}

/** `T` with every key that may hold `undefined` made optional instead. */
type Clean<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drop keys whose value is undefined (exactOptionalPropertyTypes: absent, not undefined). */
function clean<T extends object>(o: T): Clean<T> {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o as Clean<T>;
}
