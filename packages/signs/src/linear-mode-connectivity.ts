import { type HostTensor, type Mask, type ParamStore, PruneError } from '@prunekit/core';
import { interpolate } from './interpolate.js';

/** What the `evaluate` callback of {@link linearModeConnectivity} returns. */
export interface LmcEvaluation {
  readonly loss: number;
  /** Accuracy in [0, 1], for classifiers; when every point has it, the error barrier is reported too. */
  readonly accuracy?: number;
}

/** One point of the interpolation path. */
export interface LmcPoint {
  readonly alpha: number;
  readonly loss: number;
  /** loss(α) − ((1 − α)·loss(0) + α·loss(1)): height above the straight line between the ends. */
  readonly lossGap: number;
  readonly accuracy?: number;
  /** 1 − accuracy. */
  readonly error?: number;
  /** error(α) − ((1 − α)·error(0) + α·error(1)); equals the accuracy drop below the straight line. */
  readonly errorGap?: number;
}

/** {@link linearModeConnectivity}'s result. */
export interface LmcReport {
  /** One point per α, sorted by α (0 and 1 always included). */
  readonly points: readonly LmcPoint[];
  /**
   * The barriers: the largest gap over α (≥ 0, since the ends have gap 0). `error` — equal to the
   * largest drop in accuracy below the line — is present when every point reported an accuracy.
   */
  readonly barrier: { readonly loss: number; readonly error?: number };
}

/** Options of {@link linearModeConnectivity}. */
export interface LinearModeConnectivityOptions<M extends ParamStore> {
  /** The live model (a `ParamStore`, typically a `PrunableModel` with `forward`); borrowed. */
  readonly model: M;
  /** The two endpoints (host parameters). Parameters absent from both keep the model's values. */
  readonly a: ReadonlyMap<string, HostTensor>;
  readonly b: ReadonlyMap<string, HostTensor>;
  /** Applied to every interpolated set (pruned weights stay 0). */
  readonly mask?: Mask;
  /** Interpolation coefficients in [0, 1]; 0 and 1 are added if missing. Default 0, 0.1, …, 1. */
  readonly alphas?: readonly number[];
  /** Evaluate the model as it is now (e.g. test loss and accuracy); may be async. */
  readonly evaluate: (model: M, alpha: number) => LmcEvaluation | Promise<LmcEvaluation>;
}

/** 0, 0.1, …, 1 (computed as i / 10, so the values are exact decimals). */
export const DEFAULT_ALPHAS: readonly number[] = Array.from({ length: 11 }, (_, i) => i / 10);

/**
 * Linear mode connectivity (Frankle et al. 2020): load (1 − α)·a + α·b (masked) into the model for
 * each α, evaluate, and report loss/accuracy along the path and the barrier
 * max_α [loss(α) − ((1 − α)·loss(0) + α·loss(1))] (and the same for the error 1 − accuracy).
 *
 * Only parameters are interpolated; the model's non-trainable state (batch-norm running statistics)
 * is left as it is during the sweep. The model's original parameters *and* state are restored at the
 * end, also when `evaluate` throws. Throws `E_RECIPE` for α outside [0, 1], plus the errors of
 * {@link interpolate} and of `store.restore`.
 *
 * @example
 * ```ts
 * const r = await linearModeConnectivity({ model, a: runA.params, b: runB.params, mask,
 *   evaluate: (m) => evaluateOn(m, testSet) });
 * r.barrier.error; // ≈ 0: the two runs are linearly connected
 * ```
 */
export async function linearModeConnectivity<M extends ParamStore>(
  options: LinearModeConnectivityOptions<M>,
): Promise<LmcReport> {
  const { model, a, b, mask, evaluate } = options;
  const requested = options.alphas ?? DEFAULT_ALPHAS;
  for (const alpha of requested) {
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new PruneError('E_RECIPE', `linear mode connectivity: every α must be in [0, 1], got ${alpha}`, {
        hint: 'the barrier is measured between the endpoints α = 0 and α = 1',
      });
    }
  }
  const alphas = [...new Set([0, ...requested, 1])].sort((x, y) => x - y);
  // Fail on mismatched inputs before touching the model.
  interpolate(a, b, 0, mask);

  const original = model.snapshot();
  const results: { alpha: number; evaluation: LmcEvaluation }[] = [];
  try {
    for (const alpha of alphas) {
      model.restore({ params: interpolate(a, b, alpha, mask) }, { partial: true });
      results.push({ alpha, evaluation: await evaluate(model, alpha) });
    }
  } finally {
    model.restore(original);
  }

  const first = results[0]!.evaluation;
  const last = results[results.length - 1]!.evaluation;
  const line = (alpha: number, at0: number, at1: number) => (1 - alpha) * at0 + alpha * at1;
  const withAccuracy = results.every((r) => r.evaluation.accuracy !== undefined);
  const points: LmcPoint[] = results.map(({ alpha, evaluation }) => {
    const point: LmcPoint = {
      alpha,
      loss: evaluation.loss,
      lossGap: evaluation.loss - line(alpha, first.loss, last.loss),
    };
    if (!withAccuracy) return point;
    const error = 1 - evaluation.accuracy!;
    return {
      ...point,
      accuracy: evaluation.accuracy!,
      error,
      errorGap: error - line(alpha, 1 - first.accuracy!, 1 - last.accuracy!),
    };
  });
  const lossBarrier = Math.max(...points.map((p) => p.lossGap));
  return {
    points,
    barrier: withAccuracy
      ? { loss: lossBarrier, error: Math.max(...points.map((p) => p.errorGap!)) }
      : { loss: lossBarrier },
  };
}
