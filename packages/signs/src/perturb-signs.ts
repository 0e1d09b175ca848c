import * as tf from '@tensorflow/tfjs-core';
import { type Mask, type ParamStore, PruneError, type Rng, type Weights } from '@prunekit/core';
import { maskedValues, maskedVariable } from './sign-inputs.js';

/** Default probability of flipping a kept weight's sign (the paper: r = 0.3). */
export const DEFAULT_FLIP_PROBABILITY = 0.3;

/** Options of {@link perturbSigns}. */
export interface PerturbSignsOptions {
  /** Probability r of flipping each kept weight, in [0, 1]. Default 0.3. */
  readonly probability?: number;
  /** The seeded generator that decides the flips (advanced by one draw per kept weight). */
  readonly rng: Rng;
}

/** What {@link perturbSigns} did. */
export interface PerturbSignsResult {
  /** Kept weights whose sign was flipped (a weight that is exactly 0 is drawn but stays 0). */
  readonly flipped: number;
  /** Kept weights considered (drawn for). */
  readonly considered: number;
  /** Flipped count per masked parameter. */
  readonly perLayer: Readonly<Record<string, number>>;
}

/**
 * Sign perturbation: flip the sign of every kept weight (mask = 1) independently with probability
 * r, in place. Magnitudes are unchanged; masked-out weights and unmasked parameters (biases, batch
 * norm) are never touched.
 *
 * `target` is either host `Weights` (their arrays are modified; `cloneWeights` first to keep the
 * original) or a live `ParamStore` (each masked variable is read once and re-assigned; no tensor is
 * left behind). Both consume the generator identically — one `nextU32()` per kept weight, in mask
 * order — so the same generator state flips the same weights on the host and on a store.
 * Throws `E_RECIPE` for r outside [0, 1], `E_SHAPE` naming a parameter whose shape differs from the mask.
 *
 * @example
 * ```ts
 * const r = perturbSigns(store, mask, { probability: 0.3, rng: createRng(7) });
 * r.flipped / r.considered; // ≈ 0.3
 * ```
 */
export function perturbSigns(
  target: Weights | ParamStore,
  mask: Mask,
  options: PerturbSignsOptions,
): PerturbSignsResult {
  const probability = options.probability ?? DEFAULT_FLIP_PROBABILITY;
  checkProbability(probability);
  // r · 2^32 as an integer threshold: one uint32 draw per weight, exact for r = 0 and r = 1.
  const threshold = probability * 0x100000000;
  const { rng } = options;
  const perLayer: Record<string, number> = {};
  let flipped = 0;
  let considered = 0;
  const flip = (name: string, data: Float32Array, m: Uint8Array): number => {
    let f = 0;
    for (let i = 0; i < m.length; i++) {
      if (m[i] === 0) continue;
      considered++;
      if (rng.nextU32() < threshold && data[i] !== 0) {
        data[i] = -data[i]!;
        f++;
      }
    }
    perLayer[name] = f;
    flipped += f;
    return f;
  };

  const entries = [...mask.entries()];
  if (target instanceof Map) {
    // Validate every entry before changing anything.
    const arrays = entries.map(([name, m]) => maskedValues(target, name, m.shape, 'the weights'));
    entries.forEach(([name, m], j) => {
      flip(name, arrays[j]!, m.data);
    });
    return { flipped, considered, perLayer };
  }

  const store = target;
  const variables = entries.map(([name, m]) => maskedVariable(store, name, m.shape, 'the mask'));
  entries.forEach(([name, m], j) => {
    const v = variables[j]!;
    const data = (v.dataSync() as Float32Array).slice(); // a copy: some backends return their own buffer
    if (flip(name, data, m.data) > 0) tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
  });
  return { flipped, considered, perLayer };
}

/** Throws `E_RECIPE` unless `probability` is a number in [0, 1]. Internal. */
export function checkProbability(probability: number): void {
  if (!(probability >= 0 && probability <= 1)) {
    throw new PruneError('E_RECIPE', `sign flip probability must be in [0, 1], got ${probability}`, {
      hint: `the paper uses ${DEFAULT_FLIP_PROBABILITY}`,
    });
  }
}
