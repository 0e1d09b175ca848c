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
