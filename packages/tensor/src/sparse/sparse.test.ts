import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
// Backends and gradients come from the test setup (tools/vitest.setup.ts → initBackend).
import {
  SparsePattern,
  sparseMatMul,
  sparseMatMulGradInput,
  sparseMatMulGradWeight,
  sparseMatMulOp,
  sparseMatMulSupported,
} from './index.js';
import { sgdUpdate } from '../fused/sgd-update.js';
import { ownEngine } from './sparse-matmul.js';
import { SPARSE_C_SHA256 } from './sparse-wasm.generated.js';

/** Deterministic values in (-1, 1). */
const seeded = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 0.9);

/** A deterministic 0/1 mask keeping about `density` of `n` entries. */
const maskOf = (n: number, density: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) =>
    Math.abs(Math.sin(seed * 3.1 + i * 12.9898) * 43758.5453) % 1 < density ? 1 : 0,
  );

/** Reference products in float64 with the mask applied. */
function reference(
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  m: Uint8Array,
  b: number,
  k: number,
  n: number,
) {
  const y = new Float64Array(b * n);
  const dx = new Float64Array(b * k);
  const dw = new Float64Array(k * n);
  for (let r = 0; r < b; r++)
    for (let i = 0; i < k; i++)
      for (let j = 0; j < n; j++) {
        if (!m[i * n + j]) continue;
        y[r * n + j] = y[r * n + j]! + x[r * k + i]! * w[i * n + j]!;
        dx[r * k + i] = dx[r * k + i]! + dy[r * n + j]! * w[i * n + j]!;
        dw[i * n + j] = dw[i * n + j]! + x[r * k + i]! * dy[r * n + j]!;
      }
  return { y, dx, dw };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThan(tol);
}

describe('SparsePattern', () => {
  it('indexes a 2×3 mask by column and by row', () => {
    // mask [[1, 0, 1], [0, 1, 1]]
    const p = SparsePattern.fromMask(Uint8Array.of(1, 0, 1, 0, 1, 1), 2, 3);
    expect(p.nnz).toBe(4);
    expect(p.density).toBeCloseTo(4 / 6, 12);
    expect([...p.colPtr]).toEqual([0, 1, 2, 4]);
    expect([...p.colRow]).toEqual([0, 1, 0, 1]);
    expect([...p.colCol]).toEqual([0, 1, 2, 2]);
    expect([...p.colFlat]).toEqual([0, 4, 2, 5]);
    expect([...p.rowPtr]).toEqual([0, 2, 4]);
    expect([...p.rowCol]).toEqual([0, 2, 1, 2]);
    expect([...p.rowFlat]).toEqual([0, 2, 4, 5]);
  });

  it('rejects a mask of the wrong length, naming the shape', () => {
    expect(() => SparsePattern.fromMask(new Uint8Array(5), 2, 3)).toThrow(
      /\[2, 3\] matrix needs 6 mask values, got 5/,
    );
  });

  it('handles an all-zero mask (every product is zero)', () => {
    const p = SparsePattern.fromMask(new Uint8Array(6), 2, 3);
    expect(p.nnz).toBe(0);
    expect([...sparseMatMul(Float32Array.of(1, 2), 1, seeded(6, 1), p)]).toEqual([0, 0, 0]);
  });
});

describe('sparse products (WebAssembly SIMD)', () => {
  it('give hand-computed answers on a 2×2 example', () => {
    // x = [[1, 2]], W = [[3, 9], [9, 5]] with mask [[1, 0], [0, 1]] → W' = [[3, 0], [0, 5]]
    const p = SparsePattern.fromMask(Uint8Array.of(1, 0, 0, 1), 2, 2);
    const w = Float32Array.of(3, 9, 9, 5);
    expect([...sparseMatMul(Float32Array.of(1, 2), 1, w, p)]).toEqual([3, 10]);
    // dx = dy · W'ᵀ with dy = [[1, 1]] → [3, 5]
    expect([...sparseMatMulGradInput(Float32Array.of(1, 1), 1, w, p)]).toEqual([3, 5]);
    // dW = xᵀ · dy with x = [[1, 2]], dy = [[3, 4]] → [[3, 4], [6, 8]] masked → [[3, 0], [0, 8]]
    expect([...sparseMatMulGradWeight(Float32Array.of(1, 2), Float32Array.of(3, 4), 1, p)]).toEqual([
      3, 0, 0, 8,
    ]);
  });

  it('match float64 references for batches that are and are not multiples of 16', () => {
    for (const [b, k, n, density] of [
      [1, 7, 5, 0.5],
      [16, 20, 9, 0.1],
      [37, 33, 17, 0.3],
      [128, 64, 30, 0.05],
    ] as const) {
      const x = seeded(b * k, 1);
      const w = seeded(k * n, 2);
      const dy = seeded(b * n, 3);
      const m = maskOf(k * n, density, b);
      const p = SparsePattern.fromMask(m, k, n);
      const ref = reference(x, w, dy, m, b, k, n);
      expectClose(sparseMatMul(x, b, w, p), ref.y);
      expectClose(sparseMatMulGradInput(dy, b, w, p), ref.dx);
      expectClose(sparseMatMulGradWeight(x, dy, b, p), ref.dw);
    }
  });

  it('are bit-identical when repeated', () => {
    const x = seeded(50 * 40, 4);
    const w = seeded(40 * 30, 5);
    const p = SparsePattern.fromMask(maskOf(40 * 30, 0.2, 6), 40, 30);
    expect(sparseMatMul(x, 50, w, p)).toEqual(sparseMatMul(x, 50, w, p));
  });

  it('reject operands that do not fit the pattern', () => {
    const p = SparsePattern.fromMask(Uint8Array.of(1, 0, 0, 1), 2, 2);
    expect(() => sparseMatMul(Float32Array.of(1, 2, 3), 1, Float32Array.of(1, 2, 3, 4), p)).toThrow(
      /input width is 3, the pattern needs 2/,
    );
  });

  it('never hand out the engine’s own stack as scratch, also after a release', () => {
    const e = ownEngine();
    const stackTop = e.fn.__stack_pointer.value;
    const first = e.alloc(1000);
    e.begin(); // releases `first`
    const again = e.alloc(1000);
    expect(again).toBe(first);
    expect(again).toBeGreaterThanOrEqual(stackTop);
    e.begin();
  });

  it('were built from this sparse.c (run tools/scripts/build-sparse-wasm.mjs after editing it)', () => {
    const src = readFileSync(new URL('./sparse.c', import.meta.url));
    expect(createHash('sha256').update(src).digest('hex')).toBe(SPARSE_C_SHA256);
  });
});

describe('sparseMatMulOp', () => {
  for (const backend of ['wasm', 'cpu']) {
    it(`equals the masked dense product and its gradients on ${backend}, without leaks`, async () => {
      const prev = tf.getBackend();
      await tf.setBackend(backend);
      try {
        expect(sparseMatMulSupported()).toBe(true);
        const [b, k, n] = [19, 24, 11];
        const m = maskOf(k * n, 0.25, 7);
        const p = SparsePattern.fromMask(m, k, n);
        const x = tf.tensor2d(seeded(b * k, 8), [b, k]);
        // Nonzero values at pruned positions are ignored by the sparse op.
        const w = tf.tensor2d(seeded(k * n, 9), [k, n]);
        const mt = tf.tensor2d(Float32Array.from(m), [k, n]);
        const c = tf.tensor2d(seeded(b * n, 10), [b, n]);
        const before = tf.memory().numTensors;
        const sparse = tf.grads((xx, ww) =>
          tf.sum(tf.mul(sparseMatMulOp(xx as tf.Tensor2D, ww as tf.Tensor2D, p), c)),
        );
        const dense = tf.grads((xx, ww) =>
          tf.sum(tf.mul(tf.matMul(xx as tf.Tensor2D, tf.mul(ww, mt) as tf.Tensor2D), c)),
        );
        const [sx, sw] = sparse([x, w]);
        const [dx, dw] = dense([x, w]);
        const dwMasked = tf.mul(dw!, mt);
        const y1 = sparseMatMulOp(x, w, p);
        const y2 = tf.tidy(() => tf.matMul(x, tf.mul(w, mt) as tf.Tensor2D));
        expectClose(y1.dataSync(), y2.dataSync());
        expectClose(sx!.dataSync(), dx!.dataSync());
        expectClose(sw!.dataSync(), dwMasked.dataSync());
        tf.dispose([sx!, sw!, dx!, dw!, dwMasked, y1, y2]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([x, w, mt, c]);
      } finally {
        await tf.setBackend(prev);
      }
    });
  }

  it('leaves every other tensor of the wasm heap untouched (its scratch comes from tfjs malloc)', () => {
    const bystanders = [1, 2, 3].map((s) => tf.tensor1d(seeded(5000, s)));
    const before = bystanders.map((t) => t.dataSync().slice());
    const tensors = tf.memory().numTensors;
    const p = SparsePattern.fromMask(maskOf(300 * 100, 0.2, 3), 300, 100);
    const x = tf.tensor2d(seeded(64 * 300, 4), [64, 300]);
    const w0 = tf.tensor2d(seeded(300 * 100, 5), [300, 100]);
    const b0 = tf.zerosLike(w0);
    const w: tf.Variable = tf.variable(w0);
    const buf: tf.Variable = tf.variable(b0);
    tf.dispose([w0, b0]);
    for (let i = 0; i < 20; i++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () => tf.sum(tf.square(sparseMatMulOp(x, w as tf.Tensor2D, p))) as tf.Scalar,
          [w],
        );
        const out = sgdUpdate(w, grads[w.name]!, buf, undefined, {
          lr: 1e-3,
          momentum: 0.9,
          weightDecay: 0,
          nesterov: false,
        })!;
        w.assign(out.w);
        buf.assign(out.buf!);
      });
    }
    for (const [i, t] of bystanders.entries()) expect(t.dataSync()).toEqual(before[i]);
    tf.dispose([x, w, buf]);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose(bystanders);
  });

  it('rejects a weight of another shape than its pattern (E_SHAPE)', () => {
    const p = SparsePattern.fromMask(Uint8Array.of(1, 0, 0, 1), 2, 2);
    const x = tf.tensor2d([[1, 2, 3]]);
    const w = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(() => sparseMatMulOp(x, w, p)).toThrow(/w \[3, 2\] does not fit a pattern of \[2, 2\]/);
    tf.dispose([x, w]);
  });

  it('computes no input gradient when only the weight needs one', () => {
    const p = SparsePattern.fromMask(Uint8Array.of(1, 0, 0, 1), 2, 2);
    const x = tf.tensor2d([[1, 2]]);
    const w = tf.variable(
      tf.tensor2d([
        [3, 9],
        [9, 5],
      ]),
    );
    const { value, grads } = tf.variableGrads(() => tf.sum(sparseMatMulOp(x, w, p)) as tf.Scalar, [w]);
    // d sum(x·W') / dW' = xᵀ·1 = [[1, 1], [2, 2]], masked
    expect([...grads[w.name]!.dataSync()]).toEqual([1, 0, 0, 2]);
    expect(value.dataSync()[0]).toBe(13);
    tf.dispose([x, w, value, ...Object.values(grads)]);
  });
});
