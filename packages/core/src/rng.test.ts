import { describe, expect, it } from 'vitest';
import { type Rng, fillU32 } from './rng.js';

/** A generator without the bulk method: 1, 2, 3, … */
function counter(): Rng {
  let n = 0;
  const r: Rng = {
    next: () => 0,
    nextU32: () => ++n,
    int: () => 0,
    normal: () => 0,
    fork: () => r,
    state: () => ({ algorithm: 'counter', words: [n] }),
    setState: () => {},
  };
  return r;
}

describe('fillU32', () => {
  it('falls back to nextU32 for a generator without fillU32', () => {
    const out = new Uint32Array(4);
    fillU32(counter(), out);
    expect([...out]).toEqual([1, 2, 3, 4]);
  });

  it("uses the generator's own fillU32 when it has one", () => {
    const r = { ...counter(), fillU32: (o: Uint32Array) => o.fill(7) };
    const out = new Uint32Array(3);
    fillU32(r, out);
    expect([...out]).toEqual([7, 7, 7]);
  });
});
