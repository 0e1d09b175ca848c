import { describe, expect, it } from 'vitest';
import { constant, cosine, linearWarmup, offset, roundSchedule, sequence, stepDrops } from './schedules.js';

describe('schedules', () => {
  it('cosine from 0.1 to 0.01 (hand-computed)', () => {
    const s = cosine(0.1, 0.01, 100);
    expect(s.lr(0)).toBeCloseTo(0.1, 15);
    expect(s.lr(50)).toBeCloseTo(0.055, 15);
    expect(s.lr(25)).toBeCloseTo(0.01 + (0.09 * (1 + Math.SQRT1_2)) / 2, 15);
    expect(s.lr(100)).toBeCloseTo(0.01, 15);
    expect(s.lr(1000)).toBeCloseTo(0.01, 15);
  });

  it('step drops, warm-up, constant', () => {
    const s = stepDrops(0.1, [10, 20], 0.1);
    expect([s.lr(9), s.lr(10), s.lr(25)].map((v) => +v.toPrecision(12))).toEqual([0.1, 0.01, 0.001]);
    const w = linearWarmup(0.1, 4);
    expect([0, 1, 2, 3, 4, 99].map((t) => +w.lr(t).toPrecision(12))).toEqual([
      0.025, 0.05, 0.075, 0.1, 0.1, 0.1,
    ]);
    expect(constant(0.3).lr(123)).toBe(0.3);
  });

  it('sequences phases with their own counters, and offsets (rewinding to step k)', () => {
    const s = sequence([
      [linearWarmup(0.1, 2), 2],
      [cosine(0.1, 0, 4), 4],
    ]);
    expect([0, 1, 2, 4, 6].map((t) => +s.lr(t).toPrecision(12))).toEqual([0.05, 0.1, 0.1, 0.05, 0]);
    expect(offset(cosine(0.1, 0.01, 100), 50).lr(0)).toBeCloseTo(0.055, 15);
  });

  it('builds round schedules from recipe specs', () => {
    expect(roundSchedule({ kind: 'cosine', lr: 0.1, min: 0.01 }, 10).lr(10)).toBeCloseTo(0.01, 15);
    expect(
      +roundSchedule({ kind: 'step', lr: 1, milestones: [0.5], factor: 0.5 }, 10)
        .lr(5)
        .toPrecision(12),
    ).toBe(0.5);
  });

  it('rejects bad numbers', () => {
    expect(() => cosine(0.1, 0.01, 0)).toThrow(/cosine steps must be a finite number ≥ 1/);
    expect(() => constant(Number.NaN)).toThrow(/lr/);
  });
});
