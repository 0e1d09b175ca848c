import { isPruneError } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import {
  densityReport,
  formatMaskSummary,
  hamming,
  intersectMasks,
  jaccard,
  pruneRounds,
  summarizeMasks,
} from './algebra.js';
import { maskOf, param, plain } from './testing/fixtures.js';

const params = [param('a.weight', [2, 3]), param('a.bias', [3], false), param('b.weight', [2])];
const m = (a: number[], b: number[]) => maskOf(params, { 'a.weight': a, 'b.weight': b });

describe('mask algebra', () => {
  const x = m([1, 1, 0, 1, 0, 1], [1, 0]);
  const y = m([1, 0, 0, 1, 1, 1], [0, 0]);

  it('density overall and per layer', () => {
    expect(densityReport(x)).toEqual({
      size: 8,
      kept: 5,
      density: 5 / 8,
      perLayer: {
        'a.weight': { size: 6, kept: 4, density: 4 / 6 },
        'b.weight': { size: 2, kept: 1, density: 0.5 },
      },
    });
  });

  it('intersection, Jaccard and Hamming by hand', () => {
    expect(plain(intersectMasks(x, y))).toEqual({ 'a.weight': [1, 0, 0, 1, 0, 1], 'b.weight': [0, 0] });
    expect(plain(intersectMasks(x))).toEqual(plain(x));
    // a: both 3, either 5; b: both 0, either 1 → 3 / 6
    expect(jaccard(x, y)).toEqual({ value: 0.5, perLayer: { 'a.weight': 0.6, 'b.weight': 0 } });
    expect(jaccard(x, x).value).toBe(1);
    const none = m([0, 0, 0, 0, 0, 0], [0, 0]);
    expect(jaccard(none, none).value).toBe(1);
    expect(hamming(x, y)).toEqual({ value: 3, perLayer: { 'a.weight': 2, 'b.weight': 1 } });
    expect(hamming(x, y, { normalized: true })).toEqual({
      value: 3 / 8,
      perLayer: { 'a.weight': 2 / 6, 'b.weight': 0.5 },
    });
  });

  it('E_MASK for masks of different parameters', () => {
    const other = maskOf([param('a.weight', [2, 3])]);
    let err: unknown;
    try {
      jaccard(x, other);
    } catch (e) {
      err = e;
    }
    expect(isPruneError(err, 'E_MASK')).toBe(true);
  });

  it('the round each weight was pruned in, 0 = never', () => {
    const r1 = m([1, 1, 1, 1, 0, 1], [1, 1]);
    const r2 = m([1, 0, 1, 1, 0, 1], [1, 0]);
    const r3 = m([1, 0, 0, 1, 0, 1], [1, 0]);
    const when = pruneRounds([r1, r2, r3]);
    expect([...when.get('a.weight')!]).toEqual([0, 2, 3, 0, 1, 0]);
    expect([...when.get('b.weight')!]).toEqual([0, 2]);
    expect(when.get('a.weight')).toBeInstanceOf(Uint16Array);
    expect([...pruneRounds([r2, r3], { firstRound: 4 }).get('a.weight')!]).toEqual([0, 4, 5, 0, 4, 0]);
    expect(() => pruneRounds([r2, r1])).toThrow(
      /weight 1 of 'a.weight' is pruned in round 1 but kept again in round 2/,
    );
    expect(pruneRounds([]).size).toBe(0);
  });

  it('summary table side by side', () => {
    const s = summarizeMasks({ imp: x, lrr: y });
    expect(s.labels).toEqual(['imp', 'lrr']);
    expect(s.rows[0]).toEqual({ name: 'a.weight', size: 6, kept: [4, 4], density: [4 / 6, 4 / 6] });
    expect(s.total).toEqual({ name: 'total', size: 8, kept: [5, 4], density: [5 / 8, 0.5] });
    expect(formatMaskSummary(s)).toBe(
      [
        'parameter  size         imp         lrr',
        'a.weight      6  66.67% (4)  66.67% (4)',
        'b.weight      2  50.00% (1)   0.00% (0)',
        'total         8  62.50% (5)  50.00% (4)',
      ].join('\n'),
    );
    expect(summarizeMasks([x, y]).labels).toEqual(['round 1', 'round 2']);
  });
});
