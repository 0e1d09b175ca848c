import { isPruneError } from '@prunekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
// Backends come from the test setup (tools/vitest.setup.ts → initBackend).
import { createRng } from '../rng.js';
import { countSignFlips, multiplyInPlace } from './in-place.js';

/** Bits of a float32 array (to compare -0 and +0 and NaN exactly). */
const bits = (a: Float32Array | number[]) => [...new Uint32Array(Float32Array.from(a).buffer)];

/** The reference: signOf(a) !== signOf(b) where mask is 1, sign(NaN) = 0 like the metric's loop. */
function reference(a: Float32Array, b: Float32Array, m: Uint8Array) {
  const sign = (x: number) => +(x > 0) - +(x < 0);
  let flipped = 0;
  let compared = 0;
  for (let i = 0; i < m.length; i++) {
    if (!m[i]) continue;
    compared++;
    if (sign(a[i]!) !== sign(b[i]!)) flipped++;
  }
  return { flipped, compared };
}

describe('countSignFlips', () => {
  it('counts by hand: zeros are sign 0, -0 equals +0, NaN is 0, masked-out never counts', () => {
    const a = Float32Array.of(1, -2, 0, -0, 3, Number.NaN, 5, -1, 2);
    const b = Float32Array.of(-1, -3, 5, 0, 0, 0, Number.NaN, -7, -2);
    const m = Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1, 0);
    // flips: 1→-1 yes, -2→-3 no, 0→5 yes, -0→0 no, 3→0 yes, NaN→0 no, 5→NaN yes, -1→-7 no; the last is pruned.
    expect(countSignFlips(a, b, m)).toEqual({ flipped: 4, compared: 8 });
    expect(countSignFlips(new Float32Array(0), new Float32Array(0), new Uint8Array(0))).toEqual({
      flipped: 0,
      compared: 0,
    });
  });

  it('matches the scalar loop across SIMD blocks, byte-counter folds and chunk edges', () => {
    const rng = createRng(3);
    // 16384 is the copy chunk, 16 the SIMD block, 255 × 16 the byte-counter fold.
    for (const n of [1, 15, 16, 17, 255 * 16 + 5, 16384, 16384 + 17, 3 * 16384 + 4081]) {
      const a = new Float32Array(n);
      const b = new Float32Array(n);
      const m = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const k = rng.int(10);
        a[i] = k === 0 ? 0 : k === 1 ? -0 : rng.normal();
        b[i] = rng.int(10) === 0 ? 0 : a[i]! + rng.normal();
        m[i] = rng.int(4) === 0 ? 0 : 1;
      }
      expect(countSignFlips(a, b, m), `n = ${n}`).toEqual(reference(a, b, m));
    }
  });

  it('rejects arrays of different lengths (E_SHAPE) and leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    let err: unknown;
    try {
      countSignFlips(new Float32Array(3), new Float32Array(2), new Uint8Array(3));
    } catch (e) {
      err = e;
    }
    expect(isPruneError(err) && err.code).toBe('E_SHAPE');
    countSignFlips(new Float32Array(40000), new Float32Array(40000), new Uint8Array(40000));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('multiplyInPlace', () => {
  const w0 = [1.5, -2, 3, -4, 0, -0, 7, Number.NaN, -9];
  const m0 = [1, 0, 1, 0, 0, 1, 0, 0, 1];
  for (const backend of ['wasm', 'cpu']) {
    it(`${backend}: in place, bit-identical to tf.mul (−0 for a pruned negative weight), no leaks`, async () => {
      const prev = tf.getBackend();
      await tf.setBackend(backend);
      try {
        const init = tf.tensor(w0, [3, 3]);
        const v = tf.variable(init);
        // Still shared with `init`: multiplied by assign, `init` keeps its values.
        expect(tf.tidy(() => multiplyInPlace(v, tf.onesLike(v)))).toBe(false);
        init.dispose(); // now the variable's buffer is its own
        const m = tf.tensor(m0, [3, 3]);
        const want = tf.tidy(() =>
          tf
            .mul(tf.tensor(w0, [3, 3]), m)
            .dataSync()
            .slice(),
        );
        const before = tf.memory().numTensors;
        const dataId = v.dataId;
        expect(multiplyInPlace(v, m)).toBe(true);
        expect(v.dataId).toBe(dataId); // the same buffer
        expect(bits(v.dataSync() as Float32Array)).toEqual(bits(want as Float32Array));
        expect(bits(v.dataSync() as Float32Array).slice(3, 4)).toEqual(bits([-0])); // -4 · 0
        // Applying it again changes nothing.
        expect(multiplyInPlace(v, m)).toBe(true);
        expect(bits(v.dataSync() as Float32Array)).toEqual(bits(want as Float32Array));
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([v, m]);
      } finally {
        await tf.setBackend(prev);
      }
    });

    it(`${backend}: a buffer shared with another tensor is not touched (assign instead)`, async () => {
      const prev = tf.getBackend();
      await tf.setBackend(backend);
      try {
        const anchor = tf.tensor([1, -2, 3, -4], [4]);
        const v = tf.variable(tf.zeros([4]));
        v.assign(anchor); // the variable now shares the anchor's buffer
        const m = tf.tensor([1, 0, 0, 1], [4]);
        const before = tf.memory().numTensors;
        expect(multiplyInPlace(v, m)).toBe(false);
        expect([...v.dataSync()]).toEqual([1, -0, 0, -4]);
        expect([...anchor.dataSync()]).toEqual([1, -2, 3, -4]); // untouched
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([anchor, v, m]);
      } finally {
        await tf.setBackend(prev);
      }
    });
  }

  it('rejects a mask of another shape, naming the variable (E_SHAPE)', () => {
    const v = tf.variable(tf.zeros([2, 2]), true, 'fc.weight');
    const m = tf.ones([4]);
    let err: unknown;
    try {
      multiplyInPlace(v, m);
    } catch (e) {
      err = e;
    }
    expect(isPruneError(err) && err.code).toBe('E_SHAPE');
    expect(String(err)).toMatch(/fc\.weight/);
    tf.dispose([v, m]);
  });
});
