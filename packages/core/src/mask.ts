import { PruneError } from './errors.js';
import { type HostTensor, sameShape, sizeOf } from './host.js';
import type { ParamInfo } from './params.js';

/** A binary mask for one parameter: 1 keeps a weight, 0 prunes it. */
export type MaskTensor = HostTensor<Uint8Array>;

/**
 * A pruning mask: one 0/1 tensor per prunable parameter, on the host. Immutable: the algebra
 * returns new masks. Keys, shapes and values are validated on construction.
 *
 * @example
 * ```ts
 * const m = Mask.ones(model.params);      // nothing pruned yet
 * m.density();                            // 1
 * m.intersect(other).count();             // weights kept by both
 * ```
 */
export class Mask {
  readonly #entries: ReadonlyMap<string, MaskTensor>;

  /**
   * @param entries per-parameter 0/1 tensors; values other than 0 and 1 throw `E_MASK`.
   */
  constructor(entries: Iterable<[string, MaskTensor]> | ReadonlyMap<string, MaskTensor>) {
    const map = new Map<string, MaskTensor>();
    for (const [name, t] of entries) {
      if (t.data.length !== sizeOf(t.shape)) {
        throw new PruneError(
          'E_MASK',
          `mask '${name}' has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${sizeOf(t.shape)}`,
        );
      }
      if (!onlyZerosAndOnes(t.data)) {
        for (let i = 0; i < t.data.length; i++) {
          const v = t.data[i]!;
          if (v !== 0 && v !== 1) {
            throw new PruneError(
              'E_MASK',
              `mask '${name}' holds the value ${v} at index ${i}; masks hold only 0 and 1`,
            );
          }
        }
      }
      map.set(name, t);
    }
    this.#entries = map;
  }

  /** A mask keeping everything, over the prunable parameters of `params`. */
  static ones(params: readonly ParamInfo[]): Mask {
    return new Mask(
      params
        .filter((p) => p.prunable)
        .map((p) => [p.name, { shape: [...p.shape], data: new Uint8Array(sizeOf(p.shape)).fill(1) }]),
    );
  }

  /** Build from plain records (e.g. parsed JSON or a loaded file); values are checked. */
  static fromRecord(record: Record<string, { shape: readonly number[]; data: ArrayLike<number> }>): Mask {
    return new Mask(
      Object.entries(record).map(([k, v]) => [k, { shape: [...v.shape], data: Uint8Array.from(v.data) }]),
    );
  }

  /** Masked parameter names, in order. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /** Whether `name` is masked. */
  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** The mask tensor of `name` (borrowed; do not mutate). Throws `E_MASK` if absent. */
  get(name: string): MaskTensor {
    const t = this.#entries.get(name);
    if (!t)
      throw new PruneError('E_MASK', `the mask has no entry '${name}'; it masks: ${this.names().join(', ')}`);
    return t;
  }

  /** Iterate `[name, tensor]` pairs. */
  entries(): IterableIterator<[string, MaskTensor]> {
    return this.#entries.entries();
  }

  /** Number of kept (1) weights, overall or for one parameter. */
  count(name?: string): number {
    if (name !== undefined) return countOnes(this.get(name).data);
    let n = 0;
    for (const t of this.#entries.values()) n += countOnes(t.data);
    return n;
  }

  /** Number of masked weights, overall or for one parameter. */
  size(name?: string): number {
    if (name !== undefined) return this.get(name).data.length;
    let n = 0;
    for (const t of this.#entries.values()) n += t.data.length;
    return n;
  }

  /** Fraction of weights kept, overall (0..1). An empty mask has density 1. */
  density(): number {
    const s = this.size();
    return s === 0 ? 1 : this.count() / s;
  }

  /** Fraction kept per parameter. */
  layerDensity(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, t] of this.#entries) out[k] = t.data.length === 0 ? 1 : countOnes(t.data) / t.data.length;
    return out;
  }

  /** Kept counts per parameter. */
  layerCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, t] of this.#entries) out[k] = countOnes(t.data);
    return out;
  }

  /** Element-wise AND (same keys and shapes required). */
  intersect(other: Mask): Mask {
    return this.#zip(other, (a, b) => a & b);
  }

  /** Element-wise OR (same keys and shapes required). */
  union(other: Mask): Mask {
    return this.#zip(other, (a, b) => a | b);
  }

  /** Whether every kept weight of this mask is also kept by `outer` (masks only shrink). */
  isSubsetOf(outer: Mask): boolean {
    this.assertCompatible(outer);
    for (const [k, t] of this.#entries) {
      const o = outer.get(k).data;
      for (let i = 0; i < t.data.length; i++) if (t.data[i]! > o[i]!) return false;
    }
    return true;
  }

  /** Whether two masks are identical. */
  equals(other: Mask): boolean {
    if (!sameKeys(this, other)) return false;
    for (const [k, t] of this.#entries) {
      const o = other.get(k);
      if (!sameShape(t.shape, o.shape)) return false;
      for (let i = 0; i < t.data.length; i++) if (t.data[i] !== o.data[i]) return false;
    }
    return true;
  }

  /** Throw `E_MASK` unless `other` masks the same names with the same shapes. */
  assertCompatible(other: Mask, what = 'the other mask'): void {
    for (const [k, t] of this.#entries) {
      if (!other.has(k)) throw new PruneError('E_MASK', `${what} has no entry '${k}'`);
      const o = other.get(k);
      if (!sameShape(t.shape, o.shape)) {
        throw new PruneError('E_MASK', `'${k}' has shape [${t.shape}] here but [${o.shape}] in ${what}`);
      }
    }
    for (const k of other.names())
      if (!this.has(k)) throw new PruneError('E_MASK', `${what} has an extra entry '${k}'`);
  }

  /**
   * Throw `E_MASK` unless this mask fits `params`: one entry per prunable parameter, same shapes,
   * nothing for non-prunable ones. `source` names the file or run for the message.
   */
  assertMatches(params: readonly ParamInfo[], source = 'the mask'): void {
    const prunable = params.filter((p) => p.prunable);
    const missing = prunable.filter((p) => !this.has(p.name)).map((p) => p.name);
    const known = new Set(prunable.map((p) => p.name));
    const extra = this.names().filter((n) => !known.has(n));
    const wrong = prunable
      .filter((p) => this.has(p.name) && !sameShape(p.shape, this.get(p.name).shape))
      .map((p) => `${p.name} [${this.get(p.name).shape}] vs model [${p.shape}]`);
    if (missing.length || extra.length || wrong.length) {
      const parts = [
        missing.length ? `missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}` : '',
        extra.length
          ? `not in the model ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`
          : '',
        wrong.length ? `shape mismatch ${wrong.slice(0, 3).join('; ')}` : '',
      ].filter(Boolean);
      throw new PruneError('E_MASK', `${source} does not fit this model: ${parts.join('; ')}`, {
        hint: 'use a mask made for the same model architecture and options',
      });
    }
  }

  #zip(other: Mask, op: (a: number, b: number) => number): Mask {
    this.assertCompatible(other);
    const out: [string, MaskTensor][] = [];
    for (const [k, t] of this.#entries) {
      const o = other.get(k).data;
      const d = new Uint8Array(t.data.length);
      for (let i = 0; i < d.length; i++) d[i] = op(t.data[i]!, o[i]!);
      out.push([k, { shape: [...t.shape], data: d }]);
    }
    return new Mask(out);
  }
}

/**
 * The number of ones in a 0/1 byte array (a mask's data), four bytes at a time: the top byte of
 * `word × 0x01010101` is the sum of the word's four bytes when each is 0 or 1.
 *
 * @example
 * ```ts
 * countOnes(Uint8Array.of(1, 0, 1, 1, 0)); // 3
 * ```
 */
export function countOnes(d: Uint8Array): number {
  const { head, words, tail } = aligned(d);
  let n = 0;
  for (let i = 0; i < head; i++) n += d[i]!;
  for (let i = 0; i < words.length; i++) n += Math.imul(words[i]!, 0x01010101) >>> 24;
  for (let i = tail; i < d.length; i++) n += d[i]!;
  return n;
}

/** `d` as unaligned head bytes `[0, head)`, whole 32-bit words, and tail bytes `[tail, length)`. */
function aligned(d: Uint8Array): { head: number; words: Uint32Array; tail: number } {
  const head = Math.min(d.length, (4 - (d.byteOffset % 4)) % 4);
  const count = (d.length - head) >>> 2;
  const words = count === 0 ? new Uint32Array(0) : new Uint32Array(d.buffer, d.byteOffset + head, count);
  return { head, words, tail: head + count * 4 };
}

function sameKeys(a: Mask, b: Mask): boolean {
  const ak = a.names();
  const bk = new Set(b.names());
  return ak.length === bk.size && ak.every((k) => bk.has(k));
}

/** Whether every byte is 0 or 1: OR of the bytes, four at a time (the check of every new mask). */
function onlyZerosAndOnes(d: Uint8Array): boolean {
  if (!(d instanceof Uint8Array)) return false; // plain arrays from JavaScript: the checking loop decides
  const { head, words, tail } = aligned(d);
  let acc = 0;
  for (let i = 0; i < head; i++) acc |= d[i]!;
  for (let i = 0; i < words.length; i++) acc |= words[i]!;
  for (let i = tail; i < d.length; i++) acc |= d[i]!;
  return (acc & 0xfefefefe) === 0;
}
