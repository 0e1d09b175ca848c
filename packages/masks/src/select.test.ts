import { isPruneError } from '@prunekit/core';
import { createRng } from '@prunekit/tensor';
import { describe, expect, it } from 'vitest';
import { selectTopK } from './select.js';

const f32 = (...v: number[]) => Float32Array.from(v);
const ones = (n: number) => new Uint8Array(n).fill(1);
const one = (scores: Float32Array, alive = ones(scores.length)) => ({ scores, alive });

for (const [method, bucketLimit] of [
  ['radix', 1 << 20],
  ['radix', 0],
  ['sort', 0],
] as const) {
  describe(`selectTopK (${method}, bucket limit ${bucketLimit})`, () => {
    const sel = (groups: { scores: Float32Array; alive: Uint8Array }[], k: number) =>
      selectTopK(groups, k, { method, bucketLimit });
    it('keeps the k largest; ties to the lower index; -0 equals +0; dead never kept', () => {
      expect([...sel([one(f32(3, 1, 3, 2))], 2)[0]!]).toEqual([1, 0, 1, 0]);
      expect([...sel([one(f32(-1, -3, -2))], 1)[0]!]).toEqual([1, 0, 0]);
      expect([...sel([one(f32(1, 2, 2, 2, 0))], 2)[0]!]).toEqual([0, 1, 1, 0, 0]);
      expect([...sel([one(f32(-1, -0, 0))], 1)[0]!]).toEqual([0, 1, 0]);
      expect([...sel([one(f32(0, -0))], 1)[0]!]).toEqual([1, 0]);
      expect(sel([one(f32(1, 2)), one(f32(2, 1))], 3).map((a) => [...a])).toEqual([
        [1, 1],
        [1, 0],
      ]);
      expect([...sel([one(f32(9, 1, 2, 3), Uint8Array.of(0, 1, 1, 1))], 2)[0]!]).toEqual([0, 0, 1, 1]);
      const inf = Number.NEGATIVE_INFINITY;
      expect([...sel([one(f32(inf, inf, 0))], 2)[0]!]).toEqual([1, 0, 1]);
    });
  });
}

describe('selectTopK', () => {
  it('keeps the k largest, by hand', () => {
    expect([...selectTopK([one(f32(3, 1, 3, 2))], 2)[0]!]).toEqual([1, 0, 1, 0]);
    expect([...selectTopK([one(f32(3, 1, 3, 2))], 3)[0]!]).toEqual([1, 0, 1, 1]);
    expect([...selectTopK([one(f32(-1, -3, -2))], 1)[0]!]).toEqual([1, 0, 0]);
    expect([...selectTopK([one(f32(Number.POSITIVE_INFINITY, 1e30, 0))], 2)[0]!]).toEqual([1, 1, 0]);
  });

  it('breaks ties by lower index, and -0 ties with +0', () => {
    expect([...selectTopK([one(f32(5, 5, 5, 5))], 2)[0]!]).toEqual([1, 1, 0, 0]);
    expect([...selectTopK([one(f32(1, 2, 2, 2, 0))], 3)[0]!]).toEqual([0, 1, 1, 1, 0]);
    expect([...selectTopK([one(f32(1, 2, 2, 2, 0))], 2)[0]!]).toEqual([0, 1, 1, 0, 0]);
    expect([...selectTopK([one(f32(-1, -0, 0))], 1)[0]!]).toEqual([0, 1, 0]);
    expect([...selectTopK([one(f32(0, -0))], 1)[0]!]).toEqual([1, 0]);
  });

  it('across groups, ties go to the earlier group', () => {
    const g = () => [one(f32(1, 2)), one(f32(2, 1))];
    expect(selectTopK(g(), 1).map((a) => [...a])).toEqual([
      [0, 1],
      [0, 0],
    ]);
    expect(selectTopK(g(), 2).map((a) => [...a])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(selectTopK(g(), 3).map((a) => [...a])).toEqual([
      [1, 1],
      [1, 0],
    ]);
  });

  it('never keeps a candidate that is not alive, whatever its score', () => {
    const c = one(f32(9, 1, 2, 3), Uint8Array.of(0, 1, 1, 1));
    expect([...selectTopK([c], 2)[0]!]).toEqual([0, 0, 1, 1]);
    expect([...selectTopK([c], 3)[0]!]).toEqual([0, 1, 1, 1]);
    const neg = one(f32(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 0), Uint8Array.of(1, 1, 1));
    expect([...selectTopK([neg], 2)[0]!]).toEqual([1, 0, 1]);
  });

  it('matches a full sort on random data with many ties and close floats', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 25; trial++) {
      const groups = Array.from({ length: 1 + rng.int(3) }, () => {
        const n = 1 + rng.int(300);
        const scores = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const kind = rng.int(3);
          scores[i] =
            kind === 0 ? rng.int(7) - 3 : kind === 1 ? 1 + rng.int(50) * 2 ** -23 : rng.normal() * 1e3;
        }
        const alive = new Uint8Array(n);
        for (let i = 0; i < n; i++) alive[i] = rng.next() < 0.8 ? 1 : 0;
        return { scores, alive };
      });
      const cands = groups.flatMap((g, gi) =>
        [...g.scores].map((s, i) => ({ s, gi, i, alive: g.alive[i]! })).filter((c) => c.alive === 1),
      );
      const k = rng.int(cands.length + 1);
      cands.sort((a, b) => b.s - a.s || a.gi - b.gi || a.i - b.i);
      const want = groups.map((g) => new Array(g.scores.length).fill(0));
      for (const c of cands.slice(0, k)) want[c.gi]![c.i] = 1;
      expect(selectTopK(groups, k, { method: 'radix' }).map((a) => [...a])).toEqual(want);
      expect(selectTopK(groups, k, { method: 'radix', bucketLimit: 0 }).map((a) => [...a])).toEqual(want);
      expect(selectTopK(groups, k, { method: 'sort' }).map((a) => [...a])).toEqual(want);
    }
  });

  it('throws E_NAN for a NaN score and rejects impossible counts', () => {
    let err: unknown;
    try {
      selectTopK([one(f32(1, Number.NaN, 2))], 1);
    } catch (e) {
      err = e;
    }
    expect(isPruneError(err, 'E_NAN')).toBe(true);
    expect(() => selectTopK([one(f32(1, 2))], 3)).toThrow(/cannot keep 3 of 2/);
    expect(() => selectTopK([one(f32(1, 2))], 1.5)).toThrow(/cannot keep/);
  });
});
