import type { StepString } from '@prunekit/core';
import type { RewindPlan } from './plan.js';

/**
 * IMP (weight rewinding to step k): `weight-rewind{at}`.
 *
 * @example
 * ```ts
 * composeRewind(impPlan({ at: '10ep' }));
 * ```
 */
export function impPlan(options: { at?: StepString; replayFrom?: 'anchor' | 'start' } = {}): RewindPlan {
  return {
    policy: 'weight-rewind',
    options: {
      ...(options.at === undefined ? {} : { at: options.at }),
      replayFrom: options.replayFrom ?? 'start',
    },
  };
}

/**
 * LRR (learning-rate rewinding): `lr-rewind`.
 *
 * @example
 * ```ts
 * composeRewind(lrrPlan());
 * ```
 */
export function lrrPlan(): RewindPlan {
  return { policy: 'lr-rewind' };
}

/**
 * Fine-tuning (FT): `fine-tune{length?, lr}`.
 *
 * @example
 * ```ts
 * composeRewind(fineTunePlan({ lr: 'last' }));
 * ```
 */
export function fineTunePlan(options: { length?: StepString; lr?: number | 'last' } = {}): RewindPlan {
  return {
    policy: 'fine-tune',
    options:
      options.length === undefined
        ? { lr: options.lr ?? 'last' }
        : { lr: options.lr ?? 'last', length: options.length },
  };
}

/**
 * LRR + BN rewind: `bn-rewind`.
 *
 * @example
 * ```ts
 * composeRewind(lrrBnRewindPlan());
 * ```
 */
export function lrrBnRewindPlan(): RewindPlan {
  return { policy: 'bn-rewind' };
}

/**
 * IMP with LRR signs: `weight-rewind{at}` + `with-signs{from: {run, round, which: 'trained'}}`,
 * i.e. θ ← |θ_k| ⊙ sign(θ_LRR at round ℓ). `round` defaults to `'current'` (the round that just
 * ended here).
 *
 * @example
 * ```ts
 * composeRewind(impWithLrrSignsPlan({ run: 'runs/lrr-cifar10', at: '10ep' }));
 * ```
 */
export function impWithLrrSignsPlan(options: {
  run: string;
  round?: number | 'current';
  at?: StepString;
}): RewindPlan {
  return {
    ...impPlan(options.at === undefined ? {} : { at: options.at }),
    modifiers: [
      {
        name: 'with-signs',
        options: { from: { run: options.run, round: options.round ?? 'current', which: 'trained' } },
      },
    ],
  };
}

/**
 * IMP with its own learned signs: `weight-rewind{at}` + `with-signs{from: 'trained'}`, i.e.
 * θ ← |θ_k| ⊙ sign(θ_trained).
 *
 * @example
 * ```ts
 * composeRewind(impWithOwnSignsPlan({ at: '10ep' }));
 * ```
 */
export function impWithOwnSignsPlan(options: { at?: StepString } = {}): RewindPlan {
  return { ...impPlan(options), modifiers: [{ name: 'with-signs', options: { from: 'trained' } }] };
}

/**
 * IMP with its own learned signs and shuffled magnitudes: `weight-rewind{at}` +
 * `shuffle-magnitudes` + `with-signs{from: 'trained'}`, i.e. θ ← shuffle(|θ_k|) ⊙ sign(θ_trained),
 * the magnitudes permuted within each layer among the surviving weights.
 *
 * @example
 * ```ts
 * composeRewind(impShuffledMagnitudesPlan({ at: '10ep' }));
 * ```
 */
export function impShuffledMagnitudesPlan(options: { at?: StepString } = {}): RewindPlan {
  return {
    ...impPlan(options),
    modifiers: ['shuffle-magnitudes', { name: 'with-signs', options: { from: 'trained' } }],
  };
}

/**
 * LRR forced back to the initial signs: `lr-rewind` + `with-signs{from: 'anchor'}`, i.e.
 * θ ← |θ_trained| ⊙ sign(θ_k). Pass `from: 'init'` for the signs of θ_0 instead.
 *
 * @example
 * ```ts
 * composeRewind(lrrInitialSignsPlan());
 * ```
 */
export function lrrInitialSignsPlan(options: { from?: 'anchor' | 'init' } = {}): RewindPlan {
  return {
    policy: 'lr-rewind',
    modifiers: [{ name: 'with-signs', options: { from: options.from ?? 'anchor' } }],
  };
}

/**
 * Random re-initialization under the mask (Frankle & Carbin's control): `weight-rewind{at}` +
 * `random-reinit` (optimizer and schedule as IMP, weights from a fresh seeded init).
 *
 * @example
 * ```ts
 * composeRewind(randomReinitPlan({ seed: 7 }));
 * ```
 */
export function randomReinitPlan(options: { at?: StepString; seed?: number } = {}): RewindPlan {
  return {
    ...impPlan(options.at === undefined ? {} : { at: options.at }),
    modifiers: [{ name: 'random-reinit', options: options.seed === undefined ? {} : { seed: options.seed } }],
  };
}

/** One row of the paper's variant table and the prunekit pieces that run it. */
export interface PaperVariant {
  /** The row's name in the paper's table. */
  readonly name: string;
  /** The `@prunekit/masks` strategy names (one of them), as text. */
  readonly masks: readonly string[];
  /** The rewind plans (one of them); several when the row says "as IMP or as LRR". */
  readonly rewind: readonly RewindPlan[];
  /** The `@prunekit/signs` training hook the row needs, if any. */
  readonly signs?: string;
  /** How to read the row. */
  readonly note: string;
}

/**
 * The paper's variant table (Gadhikar & Burkholz 2024) as prunekit compositions: every row's mask
 * strategies (by `@prunekit/masks` name), rewind plans and sign hooks (`@prunekit/signs`).
 *
 * @example
 * ```ts
 * for (const v of paperVariants({ at: '10ep', lrrRun: 'runs/lrr' })) composeRewind(v.rewind[0]!);
 * ```
 */
export function paperVariants(
  options: { at?: StepString; lrrRun?: string; impRun?: string } = {},
): readonly PaperVariant[] {
  const at = options.at ?? '10ep';
  const lrrRun = options.lrrRun ?? '<lrr run>';
  const impRun = options.impRun ?? '<imp run>';
  const imp = impPlan({ at });
  const lrr = lrrPlan();
  return [
    {
      name: 'IMP (weight rewinding)',
      masks: ['magnitude-global'],
      rewind: [imp],
      note: 'IMP = magnitude-global + weight-rewind{at: k}',
    },
    { name: 'LRR', masks: ['magnitude-global'], rewind: [lrr], note: 'LRR = magnitude-global + lr-rewind' },
    {
      name: 'LRR + BN rewind',
      masks: ['magnitude-global'],
      rewind: [lrrBnRewindPlan()],
      note: 'bn-rewind keeps momentum',
    },
    {
      name: 'fine-tuning (FT)',
      masks: ['magnitude-global'],
      rewind: [fineTunePlan()],
      note: 'constant LR = the last LR of the round',
    },
    {
      name: 'IMP with the LRR mask',
      masks: ['from-run'],
      rewind: [imp],
      note: `masks read round by round from the LRR run (${lrrRun})`,
    },
    {
      name: 'LRR with the IMP mask',
      masks: ['from-run'],
      rewind: [lrr],
      note: `masks read round by round from the IMP run (${impRun})`,
    },
    {
      name: 'random mask, matched layer-wise density',
      masks: ['random-matched'],
      rewind: [imp, lrr],
      note: 'per-layer counts of a reference mask, uniformly at random inside the current mask; as IMP or as LRR',
    },
    {
      name: 'random mask, ERK / uniform / balanced',
      masks: ['random-erk', 'random-uniform', 'random-balanced'],
      rewind: [imp, lrr],
      note: 'per-layer densities by rule; as IMP or as LRR',
    },
    {
      name: 'IMP with LRR signs',
      masks: ['magnitude-global'],
      rewind: [impWithLrrSignsPlan({ run: lrrRun, at })],
      note: 'θ ← |θ_k| ⊙ sign(θ_LRR at this round)',
    },
    {
      name: 'IMP with its own learned signs',
      masks: ['magnitude-global'],
      rewind: [impWithOwnSignsPlan({ at })],
      note: 'θ ← |θ_k| ⊙ sign(θ_trained)',
    },
    {
      name: '… with shuffled magnitudes',
      masks: ['magnitude-global'],
      rewind: [impShuffledMagnitudesPlan({ at })],
      note: 'θ ← shuffle_layer(|θ_k|) ⊙ sign(θ_trained)',
    },
    {
      name: 'LRR forced back to initial signs',
      masks: ['magnitude-global'],
      rewind: [lrrInitialSignsPlan()],
      note: 'θ ← |θ_trained| ⊙ sign(θ_k)',
    },
    {
      name: 'sign perturbation',
      masks: ['magnitude-global'],
      rewind: [imp, lrr],
      signs: 'perturbSigns',
      note: 'any mask and policy; every P epochs flip each surviving sign with probability r (r = 0.3, P = 30) during training',
    },
    {
      name: 'fixed-sign training',
      masks: ['magnitude-global'],
      rewind: [imp, lrr],
      signs: 'fixedSignProjection',
      note: 'any mask and policy; after every optimizer step w ← |w| ⊙ s',
    },
  ];
}
