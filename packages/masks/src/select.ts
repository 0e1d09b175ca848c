import { PruneError } from '@prunekit/core';

/** Scores of one group of candidates and which of them may be kept. */
export interface Candidates {
  /** One score per candidate. Never modified. */
  readonly scores: Float32Array;
  /** 1 = may be kept (survives in the current mask); 0 = never selected. */
  readonly alive: Uint8Array;
}

const POS_INF_KEY = 0xff800000;
/** Below this many candidates a plain sort is faster than two 64 K-bucket histograms. */
const SMALL = 4096;
/** Largest crowded bucket resolved from a side list (12 bytes per entry) instead of a third pass. */
const BUCKET_LIMIT = 1 << 20;
const NEG_INF_KEY = 0x007fffff;

/**
 * The 32-bit key of a float32 given as its raw bits, ordered like the floats: a larger float has
 * a larger key. `-0` gets the key of `+0`, so the two tie.
 */
function orderKey(bits: number): number {
  // Branch-free: flip every bit of a negative float, only the sign bit of a positive one; -0 (whose
  // flipped bits are 0x7fffffff) moves up by one onto +0's key.
  return ((bits ^ ((bits >> 31) | 0x80000000)) + +(bits === 0x80000000)) >>> 0;
}

let histograms: Uint32Array | undefined;

/**
 * A zeroed histogram of `size` ≤ 65537 counters, the same memory at every call (a fresh 256 KiB
 * array per layer costs more in page faults than the pass over a small layer). Pass 1 holds it
 * until pass 2 takes it again: the pass-2 histogram is built only after pass 1's is read.
 */
function histogram(size: number): Uint32Array {
  histograms ??= new Uint32Array(65537);
  const h = histograms.subarray(0, size);
  h.fill(0);
  return h;
}

function bitsOf(scores: Float32Array): Uint32Array {
  return new Uint32Array(scores.buffer, scores.byteOffset, scores.length);
}

/**
 * Keep exactly `k` candidates with the highest scores, over one or more groups taken together
 * (one group: per-layer selection; all layers: global selection).
 *
 * **Tie rule:** among equal scores, the candidate that comes first wins — the earlier group (model
 * order of the parameters), then the lower flat (row-major) index. `-0` and `+0` are equal.
 * Candidates with `alive = 0` are never kept, whatever their score.
 *
 * It does not sort: a radix select on the float bits finds the exact k-th largest score. Pass 1
 * histograms the high 16 bits of every surviving score; pass 2 keeps everything in higher
 * buckets and lists the members of the bucket holding the k-th score, whose low 16 bits then
 * give the exact threshold and the ties to keep (first ones first). Time O(n), two passes; extra
 * memory the output masks, a 64 K histogram and 12 bytes per member of that one bucket (over
 * 2^20 members — e.g. masses of exactly equal scores — it makes a third pass instead). Below 4096
 * candidates (`auto`) it sorts, which is faster there and gives the same answer. NaN scores throw
 * `E_NAN`.
 *
 * @param groups the candidates (borrowed).
 * @param k how many to keep: an integer in `[0, alive count]`.
 * @param options.method `auto` (default), or force `radix` / `sort` (tests, benchmarks).
 * @param options.bucketLimit largest bucket listed in pass 2 (default 2^20; 0 forces three passes).
 * @returns one fresh 0/1 array per group.
 *
 * @example
 * ```ts
 * const [keep] = selectTopK([{ scores: Float32Array.of(3, 1, 3, 2), alive: Uint8Array.of(1, 1, 1, 1) }], 2);
 * // keep = [1, 0, 1, 0]
 * ```
 */
export function selectTopK(
  groups: readonly Candidates[],
  k: number,
  options: { method?: 'auto' | 'radix' | 'sort'; bucketLimit?: number } = {},
): Uint8Array[] {
  let size = 0;
  for (const g of groups) {
    if (g.alive.length !== g.scores.length) {
      throw new PruneError(
        'E_SHAPE',
        `selectTopK: ${g.scores.length} scores but ${g.alive.length} alive flags`,
      );
    }
    size += g.scores.length;
  }
  if (!Number.isInteger(k) || k < 0) throw countError(k, Number.NaN);
  const out = groups.map((g) => new Uint8Array(g.scores.length));
  if (options.method === 'sort' || (options.method !== 'radix' && size <= SMALL))
    return sortSelect(groups, k, out);

  // Pass 1: count survivors and histogram the high 16 bits of their order keys.
  // Branch-free over the alive flags (a pruned weight lands in slot 0, a survivor in its bucket + 1):
  // masks after the first round have no pattern a branch predictor could follow.
  const counts = histogram(65537);
  for (const g of groups) {
    const bits = bitsOf(g.scores);
    const a = g.alive;
    for (let i = 0; i < bits.length; i++) {
      const live = +(a[i] !== 0);
      const key = orderKey(bits[i]!);
      if ((key > POS_INF_KEY || key < NEG_INF_KEY) && live) throw nanError();
      counts[((key >>> 16) + 1) * live]!++;
    }
  }
  const hist = counts.subarray(1);
  const alive = size - counts[0]!;
  if (k > alive) throw countError(k, alive);
  if (k === 0) return out;
  if (k === alive) {
    groups.forEach((g, gi) => {
      const o = out[gi]!;
      const a = g.alive;
      for (let i = 0; i < a.length; i++) o[i] = a[i] === 0 ? 0 : 1;
    });
    return out;
  }
  let above = 0; // survivors whose high half is strictly greater than the bucket's
  let hi = 65535;
  for (; hi >= 0; hi--) {
    const c = hist[hi]!;
    if (above + c >= k) break;
    above += c;
  }
  const bucket = hist[hi]!;
  return bucket <= (options.bucketLimit ?? BUCKET_LIMIT)
    ? finishFromBucket(groups, k, out, hi, above, bucket)
    : finishTwoPass(groups, k, out, hi, above, hist);
}

/**
 * Pass 2 (of 2): keep everything above bucket `hi`, and note the bucket's members in order; then
 * resolve the threshold and the ties inside the (small) bucket.
 */
function finishFromBucket(
  groups: readonly Candidates[],
  k: number,
  out: Uint8Array[],
  hi: number,
  above: number,
  bucket: number,
): Uint8Array[] {
  const keys = new Uint32Array(bucket);
  const where = new Uint32Array(bucket);
  const which = new Uint32Array(bucket);
  let n = 0;
  groups.forEach((g, gi) => {
    const bits = bitsOf(g.scores);
    const a = g.alive;
    const o = out[gi]!;
    for (let i = 0; i < bits.length; i++) {
      const live = +(a[i] !== 0);
      const key = orderKey(bits[i]!);
      const h = key >>> 16;
      o[i] = live & +(h > hi); // branch-free: which side of the bucket is random
      if (h === hi && live) {
        keys[n] = key;
        which[n] = gi;
        where[n++] = i;
      }
    }
  });
  const hist = histogram(65536);
  for (let j = 0; j < n; j++) hist[keys[j]! & 0xffff]!++;
  let lo = 65535;
  for (; lo >= 0; lo--) {
    const c = hist[lo]!;
    if (above + c >= k) break;
    above += c;
  }
  const threshold = ((hi << 16) | lo) >>> 0;
  let ties = k - above;
  for (let j = 0; j < n; j++) {
    const key = keys[j]!;
    if (key > threshold || (key === threshold && ties-- > 0)) out[which[j]!]![where[j]!] = 1;
  }
  return out;
}

/** Passes 2 and 3 for a crowded bucket: histogram its low 16 bits, then one pass keeps. */
function finishTwoPass(
  groups: readonly Candidates[],
  k: number,
  out: Uint8Array[],
  hi: number,
  above: number,
  hist: Uint32Array,
): Uint8Array[] {
  hist.fill(0);
  for (const g of groups) {
    const bits = bitsOf(g.scores);
    const a = g.alive;
    for (let i = 0; i < bits.length; i++) {
      const key = orderKey(bits[i]!);
      if (key >>> 16 === hi && a[i] !== 0) hist[key & 0xffff]!++;
    }
  }
  let lo = 65535;
  for (; lo >= 0; lo--) {
    const c = hist[lo]!;
    if (above + c >= k) break;
    above += c;
  }
  const threshold = ((hi << 16) | lo) >>> 0;
  // `above` candidates score strictly higher than the threshold; take the first ties for the rest.
  let ties = k - above;
  groups.forEach((g, gi) => {
    const bits = bitsOf(g.scores);
    const a = g.alive;
    const o = out[gi]!;
    for (let i = 0; i < bits.length; i++) {
      const live = +(a[i] !== 0);
      const key = orderKey(bits[i]!);
      o[i] = live & +(key > threshold);
      if (key === threshold && live && ties > 0) {
        o[i] = 1;
        ties--;
      }
    }
  });
  return out;
}

function countError(k: number, alive: number): PruneError {
  return new PruneError(
    'E_INTERNAL',
    `selectTopK: cannot keep ${k} of ${Number.isNaN(alive) ? 'the' : alive} surviving candidates`,
  );
}

/** The same selection by sorting the surviving candidates (small inputs). */
function sortSelect(groups: readonly Candidates[], k: number, out: Uint8Array[]): Uint8Array[] {
  checkNaN(groups);
  const cand: { s: number; g: number; i: number }[] = [];
  groups.forEach((g, gi) => {
    for (let i = 0; i < g.scores.length; i++) if (g.alive[i] !== 0) cand.push({ s: g.scores[i]!, g: gi, i });
  });
  if (k > cand.length) throw countError(k, cand.length);
  // Stable order: higher score first (−0 equals +0), then earlier group, then lower index.
  cand.sort((a, b) => (a.s === b.s ? a.g - b.g || a.i - b.i : b.s > a.s ? 1 : -1));
  for (let j = 0; j < k; j++) out[cand[j]!.g]![cand[j]!.i] = 1;
  return out;
}

function checkNaN(groups: readonly Candidates[]): void {
  for (const g of groups) {
    const s = g.scores;
    const a = g.alive;
    for (let i = 0; i < s.length; i++) if (a[i] !== 0 && Number.isNaN(s[i]!)) throw nanError();
  }
}

function nanError(): PruneError {
  return new PruneError('E_NAN', 'a pruning score is NaN; scores must be numbers (±Infinity allowed)', {
    hint: 'check the weights and gradients the score is computed from',
  });
}
