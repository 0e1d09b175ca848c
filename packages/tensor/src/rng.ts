import type { Rng, RngState } from '@prunekit/core';
import { PruneError } from '@prunekit/core';

/**
 * Create a seeded generator (xoshiro128**, seeded through splitmix32). Pure JavaScript, so the
 * same seed gives the same stream on every backend and machine.
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng.next();            // uniform [0, 1)
 * rng.fork('masks');     // independent stream for mask randomness
 * ```
 */
export function createRng(seed: number | string): Rng {
  return new Xoshiro128(seedWords(typeof seed === 'string' ? hashString(seed) : seed));
}

/**
 * Restore a generator from a saved state (see `Rng.state()`).
 *
 * @example
 * ```ts
 * const again = rngFromState(rng.state());
 * ```
 */
export function rngFromState(state: RngState): Rng {
  const r = new Xoshiro128([1, 2, 3, 4]);
  r.setState(state);
  return r;
}

/**
 * A 32-bit hash of a string (FNV-1a), for deriving seeds from labels.
 *
 * @example
 * ```ts
 * hashString('round-3'); // a stable uint32
 * ```
 */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function seedWords(seed: number): number[] {
  if (!Number.isFinite(seed)) throw new PruneError('E_RECIPE', `seed must be a finite number, got ${seed}`);
  // Mix both halves of seeds beyond 2^32 so that 1 and 2^32+1 differ.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  const st = { s: (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0 };
  const w = [splitmix32(st), splitmix32(st), splitmix32(st), splitmix32(st)];
  if (!w.some((x) => x !== 0)) w[0] = 1;
  return w;
}

const ALGORITHM = 'xoshiro128**';

class Xoshiro128 implements Rng {
  #s: Uint32Array;
  #spareNormal: number | undefined;

  constructor(words: number[]) {
    this.#s = Uint32Array.from(words);
  }

  nextU32(): number {
    const s = this.#s;
    let s0 = s[0]!;
    let s1 = s[1]!;
    let s2 = s[2]!;
    let s3 = s[3]!;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    return result;
  }

  fillU32(out: Uint32Array): void {
    const s = this.#s;
    let s0 = s[0]!;
    let s1 = s[1]!;
    let s2 = s[2]!;
    let s3 = s[3]!;
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
  }

  next(): number {
    // 53 bits of randomness from two draws.
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new PruneError('E_INTERNAL', `rng.int(n) needs a positive integer, got ${n}`);
    if (n <= 0x100000000) {
      // Lemire-style rejection for an unbiased result.
      const limit = 0x100000000 - (0x100000000 % n);
      for (;;) {
        const x = this.nextU32();
        if (x < limit) return x % n;
      }
    }
    return Math.floor(this.next() * n);
  }

  normal(): number {
    if (this.#spareNormal !== undefined) {
      const v = this.#spareNormal;
      this.#spareNormal = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  fork(label: string): Rng {
    const s = this.#s;
    const h = hashString(label);
    const st = { s: (s[0]! ^ Math.imul(s[1]!, 0x9e3779b1) ^ Math.imul(s[2]!, 0x85ebca6b) ^ s[3]! ^ h) >>> 0 };
    const w = [splitmix32(st), splitmix32(st), splitmix32(st), splitmix32(st)];
    if (!w.some((x) => x !== 0)) w[0] = 1;
    return new Xoshiro128(w);
  }

  state(): RngState {
    const words = [...this.#s];
    // The cached normal is part of the state so a restored stream continues exactly.
    return {
      algorithm: ALGORITHM,
      words: this.#spareNormal === undefined ? words : [...words, this.#spareNormal],
    };
  }

  setState(state: RngState): void {
    if (state.algorithm !== ALGORITHM || (state.words.length !== 4 && state.words.length !== 5)) {
      throw new PruneError(
        'E_CHECKPOINT',
        `cannot restore a '${state.algorithm}' generator state into ${ALGORITHM}`,
      );
    }
    this.#s = Uint32Array.from(state.words.slice(0, 4));
    this.#spareNormal = state.words.length === 5 ? state.words[4] : undefined;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
