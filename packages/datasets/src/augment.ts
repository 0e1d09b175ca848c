import type { Rng } from '@prunekit/core';

/**
 * The paper's image augmentation: a random crop of the original size from the image padded by
 * `padding` pixels of zeros on every side, then a horizontal flip with probability ½.
 */
export interface Augmentation {
  /** Zero padding in pixels for the random crop (0 = no crop). The paper: 4. */
  readonly padding: number;
  /** Flip horizontally with probability ½. */
  readonly flip: boolean;
}

/** One draw of the augmentation: shift of the crop window and whether to flip. */
export interface CropFlip {
  /** Rows the crop window is shifted by, in `[-padding, padding]` (crop top = `dy + padding`). */
  readonly dy: number;
  /** Columns the crop window is shifted by, in `[-padding, padding]`. */
  readonly dx: number;
  readonly flip: boolean;
}

/**
 * Draw one crop/flip from `rng`: `dy`, `dx` uniform in `[-padding, padding]` (in that order), then
 * the flip bit (only when `flip` is on). Three draws at most per example.
 *
 * @example
 * ```ts
 * drawCropFlip({ padding: 4, flip: true }, createRng(1)); // e.g. { dy: -2, dx: 3, flip: true }
 * ```
 */
export function drawCropFlip(aug: Augmentation, rng: Rng): CropFlip {
  const p = aug.padding;
  const dy = p > 0 ? rng.int(2 * p + 1) - p : 0;
  const dx = p > 0 ? rng.int(2 * p + 1) - p : 0;
  const flip = aug.flip ? rng.int(2) === 1 : false;
  return { dy, dx, flip };
}

/**
 * Write one augmented HWC image: `out[y, x, c] = a[c] · in[y + dy, x' + dx, c] + b[c]` with
 * `x' = flip ? W-1-x : x`, and `b[c]` where the source pixel falls in the zero padding (a raw zero,
 * normalized: this matches `RandomCrop(padding) → RandomHorizontalFlip → Normalize` of torchvision).
 * `a`, `b` fold in scaling and normalization (`a = scale/std`, `b = -mean/std`).
 *
 * @example
 * ```ts
 * const out = new Float32Array(9);
 * writeCropFlip(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), 0, out, 0, [3, 3, 1], { dy: 1, dx: 0, flip: true }, [1], [0]);
 * // out = [6, 5, 4, 9, 8, 7, 0, 0, 0]
 * ```
 */
export function writeCropFlip(
  src: Float32Array | Uint8Array,
  srcOffset: number,
  dst: Float32Array,
  dstOffset: number,
  shape: readonly number[],
  draw: CropFlip,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): void {
  const h = shape[0]!;
  const w = shape[1]!;
  const ch = shape[2]!;
  let o = dstOffset;
  for (let y = 0; y < h; y++) {
    const sy = y + draw.dy;
    const rowInside = sy >= 0 && sy < h;
    for (let x = 0; x < w; x++) {
      const sx = (draw.flip ? w - 1 - x : x) + draw.dx;
      if (rowInside && sx >= 0 && sx < w) {
        const s = srcOffset + (sy * w + sx) * ch;
        for (let c = 0; c < ch; c++) dst[o++] = src[s + c]! * a[c]! + b[c]!;
      } else {
        for (let c = 0; c < ch; c++) dst[o++] = b[c]!;
      }
    }
  }
}
