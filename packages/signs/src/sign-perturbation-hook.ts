import { type Mask, type ParamStore, PruneError, type Rng } from '@prunekit/core';
import {
  checkProbability,
  DEFAULT_FLIP_PROBABILITY,
  type PerturbSignsResult,
  perturbSigns,
} from './perturb-signs.js';

/** Default period P of sign perturbation, in epochs (the paper: every 30 epochs). */
export const DEFAULT_PERTURBATION_EVERY = 30;

/** Options of {@link signPerturbationHook}. */
export interface SignPerturbationHookOptions {
  /** Perturb after every `every`-th epoch of a round (a positive integer). Default 30. */
  readonly every?: number;
  /** Probability r of flipping each kept weight. Default 0.3. */
  readonly probability?: number;
}

/**
 * A training-loop hook that perturbs signs on a schedule. The loop calls
 * `onEpochEnd(epoch, store, mask, rng)` after each epoch with:
 * - `epoch`: epochs completed in the current round, 1-based (the hook fires when `epoch` is a
 *   positive multiple of `every`: after epochs P, 2P, …);
 * - `store`: the live model (its masked variables are re-assigned in place, no tensor leaks);
 * - `mask`: the mask in force;
 * - `rng`: a seeded generator, e.g. the run's `rng.fork('signs')`. It is not advanced: the hook draws
 *   from `rng.fork('sign-perturbation/<epoch>')`, so a resumed run flips the same weights.
 *
 * It returns what {@link perturbSigns} did, or `null` on epochs where it does not fire.
 */
export interface SignPerturbationHook {
  readonly every: number;
  readonly probability: number;
  onEpochEnd(epoch: number, store: ParamStore, mask: Mask, rng: Rng): PerturbSignsResult | null;
}

/**
 * The paper's sign-perturbation schedule as a training-loop hook: every P epochs flip each kept
 * weight's sign with probability r (defaults P = 30, r = 0.3). Throws `E_RECIPE` for bad options.
 *
 * @example
 * ```ts
 * const hook = signPerturbationHook({ every: 30, probability: 0.3 });
 * // in the training loop, after each epoch of a round:
 * hook.onEpochEnd(epoch, model, mask, rng.fork('signs'));
 * ```
 */
export function signPerturbationHook(options: SignPerturbationHookOptions = {}): SignPerturbationHook {
  const every = options.every ?? DEFAULT_PERTURBATION_EVERY;
  const probability = options.probability ?? DEFAULT_FLIP_PROBABILITY;
  if (!Number.isInteger(every) || every < 1) {
    throw new PruneError(
      'E_RECIPE',
      `sign perturbation 'every' must be a positive whole number of epochs, got ${every}`,
      {
        hint: `the paper uses every: ${DEFAULT_PERTURBATION_EVERY}`,
      },
    );
  }
  checkProbability(probability);
  return {
    every,
    probability,
    onEpochEnd(epoch, store, mask, rng) {
      if (!(epoch > 0 && epoch % every === 0)) return null;
      return perturbSigns(store, mask, { probability, rng: rng.fork(`sign-perturbation/${epoch}`) });
    },
  };
}
