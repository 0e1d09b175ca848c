import { createRng } from '@prunekit/tensor';
import { describe, expect, it } from 'vitest';
import { drawCropFlip, writeCropFlip } from './augment.js';

// 3×3 single-channel image
//   1 2 3
//   4 5 6
//   7 8 9
const img = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
const run = (
  dy: number,
  dx: number,
  flip: boolean,
  a = [1],
  b = [0],
  src: Float32Array = img,
  shape = [3, 3, 1],
) => {
  const out = new Float32Array(src.length);
  writeCropFlip(src, 0, out, 0, shape, { dy, dx, flip }, a, b);
  return Array.from(out);
};

describe('crop with zero padding and horizontal flip (hand-checked)', () => {
  it('identity', () => {
    expect(run(0, 0, false)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('flip only mirrors each row', () => {
    expect(run(0, 0, true)).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
  });

  it('crop window shifted down-right by one: top-left = padded(2, 2)', () => {
    // padding 1, crop top = dy + 1 = 2: rows 1..2 of the image then one padding row
    expect(run(1, 1, false)).toEqual([5, 6, 0, 8, 9, 0, 0, 0, 0]);
  });

  it('crop window shifted up-left by one (top-left corner of the padded image)', () => {
    expect(run(-1, -1, false)).toEqual([0, 0, 0, 0, 1, 2, 0, 4, 5]);
  });

  it('crop then flip', () => {
    // crop (dy=1, dx=0) gives rows [4 5 6], [7 8 9], [0 0 0]; flipping mirrors them
    expect(run(1, 0, true)).toEqual([6, 5, 4, 9, 8, 7, 0, 0, 0]);
    // crop (dy=0, dx=-1) gives [0 1 2], [0 4 5], [0 7 8]; flipped: [2 1 0], [5 4 0], [8 7 0]
    expect(run(0, -1, true)).toEqual([2, 1, 0, 5, 4, 0, 8, 7, 0]);
  });

  it('normalizes per channel and pads with the normalized zero', () => {
    // 1×2×2 image: pixels (10, 20) and (30, 40); a = [0.5, 0.25], b = [-1, -2]
    const two = Float32Array.of(10, 20, 30, 40);
    expect(run(0, 1, false, [0.5, 0.25], [-1, -2], two, [1, 2, 2])).toEqual([14, 8, -1, -2]);
    expect(run(0, 0, true, [0.5, 0.25], [-1, -2], two, [1, 2, 2])).toEqual([14, 8, 4, 3]);
  });

  it('draws shifts in [-padding, padding] and both flips, deterministically', () => {
    const draws = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 400 }, () => drawCropFlip({ padding: 4, flip: true }, rng));
    };
    const d = draws(1);
    expect(draws(1)).toEqual(d);
    expect(new Set(d.map((x) => x.dy))).toEqual(new Set([-4, -3, -2, -1, 0, 1, 2, 3, 4]));
    expect(new Set(d.map((x) => x.dx))).toEqual(new Set([-4, -3, -2, -1, 0, 1, 2, 3, 4]));
    expect(new Set(d.map((x) => x.flip))).toEqual(new Set([true, false]));
    expect(drawCropFlip({ padding: 0, flip: false }, createRng(1))).toEqual({ dy: 0, dx: 0, flip: false });
  });
});
