import { hostTensor, Mask, type Weights } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { flipCounts } from './flip-counts.js';

const mask = Mask.fromRecord({ w: { shape: [5], data: [1, 1, 1, 1, 0] } });
const snap = (values: number[]): Weights => new Map([['w', hostTensor([5], values)]]);

describe('flipCounts', () => {
  it('counts flips per weight along a sequence of snapshots', () => {
    // w0 flips at every transition (3), w1 once (→ 0), w2 never, w3 twice, w4 is pruned.
    const c = flipCounts(
      [snap([1, 2, 3, -1, 1]), snap([-1, 0, 3, 1, -1]), snap([1, 0, 3, -1, 1]), snap([-1, 0, 4, -2, -1])],
      mask,
    );
    expect([...c.counts.get('w')!]).toEqual([3, 1, 0, 2, 0]);
    expect(c.flips).toEqual([3, 2, 1]);
    expect(c.epochs).toEqual([1, 2, 3]);
    expect(c.flipFractions).toEqual([3 / 4, 2 / 4, 1 / 4]);
    expect(c.histogram).toEqual([1, 1, 1, 1]);
    expect(c.flippedAtLeastOnce).toBe(3);
    expect(c.maxFlips).toBe(3);
    expect(c.perLayer.w!.flippedAtLeastOnce).toBe(3);
  });

  it('one snapshot: nothing flipped; none: an error', () => {
    const c = flipCounts([snap([1, 2, 3, 4, 5])], mask);
    expect(c.flips).toEqual([]);
    expect(c.histogram).toEqual([4]);
    expect(c.maxFlips).toBe(0);
    expect(() => flipCounts([], mask)).toThrow(/at least one snapshot/);
  });
});
