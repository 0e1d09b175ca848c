import { describe, expect, it } from 'vitest';
import { SEED_FIELDS, seedlessJson } from './replicates.js';

describe('seedlessJson', () => {
  it('drops seed and seeds, keeps everything else in canonical key order', () => {
    expect(SEED_FIELDS).toEqual(['seed', 'seeds']);
    expect(seedlessJson({ seeds: { data: 3 }, b: 1, seed: 7, a: { y: 2, x: 1 } })).toBe(
      '{"a":{"x":1,"y":2},"b":1}',
    );
  });
  it('is equal for replicates and differs between methods', () => {
    const lrr = { seed: 1, rewind: { policy: { name: 'lr-rewind' } } };
    expect(seedlessJson(lrr)).toBe(seedlessJson({ ...lrr, seed: 2, seeds: { init: 5 } }));
    expect(seedlessJson(lrr)).not.toBe(seedlessJson({ ...lrr, rewind: { policy: { name: 'fine-tune' } } }));
  });
});
