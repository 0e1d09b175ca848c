/** The serializable state of a {@link Rng}, for checkpoints and resume. */
export interface RngState {
  readonly algorithm: string;
  readonly words: readonly number[];
}

/**
 * A seeded pseudo-random generator. The same seed gives the same stream on every machine.
 * Implementations live in `@prunekit/tensor` (`createRng`).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  nextU32(): number;
  /**
   * Optional bulk form of {@link Rng.nextU32}: fill `out` with the next `out.length` values, the
   * same stream as calling `nextU32()` that many times (faster: the state stays in registers).
   * Use {@link fillU32} to call it with a fallback for generators without it.
   */
  fillU32?(out: Uint32Array): void;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal. */
  normal(): number;
  /** An independent generator derived from this one's seed and `label` (does not advance this one). */
  fork(label: string): Rng;
  /** Current state, to save. */
  state(): RngState;
  /** Continue from a saved state. */
  setState(state: RngState): void;
}

/**
 * Fill `out` with the next `out.length` values of `rng.nextU32()`, through `rng.fillU32` when the
 * generator has it (the same values, several times faster on millions of draws).
 *
 * @example
 * ```ts
 * const draws = new Uint32Array(1e6);
 * fillU32(createRng(1), draws);
 * ```
 */
export function fillU32(rng: Rng, out: Uint32Array): void {
  if (rng.fillU32) rng.fillU32(out);
  else for (let i = 0; i < out.length; i++) out[i] = rng.nextU32();
}
