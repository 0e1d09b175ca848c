import { isPruneError, type PruneTarget } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { erkDensities, erkRatio } from './allocations/erk.js';
import {
  densityTarget,
  exponentialSchedule,
  floorFraction,
  fractionTarget,
  keepCount,
  keepCountsOverRounds,
  proportionalCounts,
} from './counts.js';

const frac = (fraction: number): PruneTarget => ({ kind: 'fraction', fraction });
const dens = (density: number): PruneTarget => ({ kind: 'density', density });

describe('keepCount', () => {
  it('fraction f of N survivors keeps N − ⌊f·N⌋', () => {
    expect(keepCount(frac(0.2), 1000, 1000)).toBe(800);
    expect(keepCount(frac(0.2), 7, 10)).toBe(6); // ⌊1.4⌋ = 1
    expect(keepCount(frac(0.2), 4, 10)).toBe(4); // ⌊0.8⌋ = 0
    expect(keepCount(frac(0.29), 100, 100)).toBe(71); // 0.29·100 is 28.999… in floating point
    expect(keepCount(frac(0.1), 30, 30)).toBe(27);
    expect(keepCount(frac(0), 9, 9)).toBe(9);
    expect(keepCount(frac(1), 9, 9)).toBe(0);
    expect(floorFraction(0.29, 100)).toBe(29);
    expect(floorFraction(1e-7, 30_000_000)).toBe(3);
  });

  it('density d of T keeps ⌈d·T⌉, at most what survives', () => {
    expect(keepCount(dens(0.8), 5, 5)).toBe(4); // 1 − 0.8 = 0.19999… in floating point
    expect(keepCount(dens(0.1), 2000, 2000)).toBe(200);
    expect(keepCount(dens(0.1235), 1000, 1000)).toBe(124);
    expect(keepCount(dens(0.9), 50, 100)).toBe(50);
    expect(keepCount(dens(0), 50, 100)).toBe(0);
    expect(keepCount(dens(1), 100, 100)).toBe(100);
  });

  it('rejects targets out of range with E_RECIPE', () => {
    for (const t of [dens(1.5), dens(-0.1), dens(Number.NaN), frac(2), frac(-1)]) {
      let err: unknown;
      try {
        keepCount(t, 10, 10);
      } catch (e) {
        err = e;
      }
      expect(isPruneError(err, 'E_RECIPE')).toBe(true);
    }
    expect(() => densityTarget(1.5)).toThrow(/density is 1.5, out of range/);
    expect(fractionTarget()).toEqual({ kind: 'fraction', fraction: 0.2 });
  });

  it('compounds exactly over rounds', () => {
    expect(keepCountsOverRounds(1000, 0.2, 3)).toEqual([800, 640, 512]);
    expect(keepCountsOverRounds(7, 0.2, 3)).toEqual([6, 5, 4]);
  });
});

describe('exponentialSchedule', () => {
  it('goes from N to K geometrically and ends exactly at K', () => {
    expect(exponentialSchedule(1000, 10, 2)).toEqual([100, 10]);
    expect(exponentialSchedule(1000, 125, 3)).toEqual([500, 250, 125]);
    expect(exponentialSchedule(10, 10, 3)).toEqual([10, 10, 10]);
    expect(exponentialSchedule(100, 0, 2)).toEqual([0, 0]);
    expect(exponentialSchedule(100, 37, 1)).toEqual([37]);
    expect(() => exponentialSchedule(10, 5, 0)).toThrow(/integer ≥ 1/);
  });
});

describe('proportionalCounts', () => {
  const counts = (layers: [number, number][], total: number) => [
    ...proportionalCounts(
      layers.map(([weight, cap], i) => ({ name: `l${i}`, weight, cap })),
      total,
    ).values(),
  ];

  it('splits in proportion with largest-remainder rounding (ties: earlier layer)', () => {
    expect(
      counts(
        [
          [1, 100],
          [1, 100],
          [1, 100],
        ],
        10,
      ),
    ).toEqual([4, 3, 3]);
    expect(
      counts(
        [
          [1, 100],
          [2, 100],
        ],
        10,
      ),
    ).toEqual([3, 7]);
    expect(
      counts(
        [
          [16, 16],
          [4, 4],
          [16, 16],
        ],
        9,
      ),
    ).toEqual([4, 1, 4]);
  });

  it('caps layers and redistributes the rest', () => {
    expect(
      counts(
        [
          [1, 10],
          [1, 2],
        ],
        8,
      ),
    ).toEqual([6, 2]);
    expect(
      counts(
        [
          [1, 3],
          [1, 10],
          [1, 10],
        ],
        15,
      ),
    ).toEqual([3, 6, 6]);
    expect(
      counts(
        [
          [1, 3],
          [1, 10],
        ],
        13,
      ),
    ).toEqual([3, 10]);
    expect(
      counts(
        [
          [0, 5],
          [1, 2],
        ],
        4,
      ),
    ).toEqual([2, 2]);
    expect(() => counts([[1, 3]], 4)).toThrow(/cannot place 4/);
  });
});

describe('ERK', () => {
  it('ratio is (Σ dims)/(Π dims)', () => {
    expect(erkRatio([4, 2])).toBe(0.75);
    expect(erkRatio([3, 3, 2, 4])).toBeCloseTo(12 / 72, 15);
    expect(erkRatio([4, 2], 0)).toBe(1);
  });

  it('densities by hand, with the iterative capping at 1', () => {
    const layers = [
      { name: 'a', shape: [4, 2] },
      { name: 'b', shape: [2, 2] },
    ];
    // ε = (0.5·12) / (0.75·8 + 1·4) = 0.6
    const d = erkDensities(layers, 0.5);
    expect(d.get('a')).toBeCloseTo(0.45, 12);
    expect(d.get('b')).toBeCloseTo(0.6, 12);
    // density 0.9: b would get 1.08 > 1 → dense; then ε = (7.2 − 0.4)/6, a = 0.85
    const c = erkDensities(layers, 0.9);
    expect(c.get('b')).toBe(1);
    expect(c.get('a')).toBeCloseTo(0.85, 12);
  });
});
