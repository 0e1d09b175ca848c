import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { sgdUpdate } from './fused/sgd-update.js';
import { SparsePattern, sparseMatMulOp } from './sparse/index.js';
import { tensorGrowth } from './leaks.js';
import { parseWasmThreads, startWasm, wasmThreads, wasmThreadsFor } from './wasm-threads.js';

/** Deterministic values in (-1, 1). */
function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from(
    { length: n },
    () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1,
  );
}

/** conv2d, matMul, both conv gradients, sparse products and an SGD step (prunekit's kernels), read back. */
function compute(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(seeded(2 * 9 * 9 * 3, 1), [2, 9, 9, 3]);
    const w = tf.tensor4d(seeded(3 * 3 * 3 * 8, 2), [3, 3, 3, 8]);
    const a = tf.tensor2d(seeded(64 * 96, 3), [64, 96]);
    const b = tf.tensor2d(seeded(96 * 32, 4), [96, 32]);
    const f = (xx: tf.Tensor, ww: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 2, 'same')));
    const [dx, dw] = tf.grads(f)([x, w]) as [tf.Tensor, tf.Tensor];
    // prunekit's sparse kernels and fused SGD step, which run inside the (here shared) wasm heap
    const p = SparsePattern.fromMask(
      Uint8Array.from(seeded(96 * 32, 5), (v) => (v > 0.6 ? 1 : 0)),
      96,
      32,
    );
    const [sx, sw] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
      tf.sum(tf.square(sparseMatMulOp(xx as tf.Tensor2D, ww as tf.Tensor2D, p))),
    )([a, b]) as [tf.Tensor, tf.Tensor];
    const step = sgdUpdate(b, sw, tf.onesLike(b), undefined, {
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 1e-4,
      nesterov: false,
    })!;
    return [tf.conv2d(x, w, 1, 'same'), tf.matMul(a, b), dx, dw, sx, sw, step.w, step.buf!].map(
      (t) => t.dataSync() as Float32Array,
    );
  });
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let ref = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    ref = Math.max(ref, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / ref;
}

describe('wasm threads', () => {
  afterAll(async () => {
    await startWasm(1);
  });

  it('parses and resolves thread requests', () => {
    expect(parseWasmThreads(' Auto ')).toBe('auto');
    expect(parseWasmThreads('2')).toBe(2);
    expect(() => parseWasmThreads('0', '--threads')).toThrow(
      "--threads: '0' is not a thread count; use auto or a whole number from 1 to 8",
    );
    expect(() => parseWasmThreads('1.5')).toThrow(/not a thread count/);
    expect(wasmThreadsFor(1)).toBe(1);
    expect(wasmThreadsFor(99)).toBe(8);
    expect(wasmThreadsFor('auto')).toBeGreaterThanOrEqual(1);
  });

  it('runs on 2 threads with the same results as 1 thread, without leaking', async () => {
    expect(await startWasm(1)).toEqual({ threads: 1 });
    const single = compute();
    expect(await startWasm(2)).toEqual({ threads: 2 });
    expect(wasmThreads()).toBe(2);
    expect(tf.getBackend()).toBe('wasm');
    let threaded: Float32Array[] = [];
    expect(await tensorGrowth(() => (threaded = compute()))).toBe(0);
    expect(threaded).toHaveLength(8);
    for (const [i, t] of threaded.entries()) expect(maxRelDiff(t, single[i]!)).toBe(0);
  });

  it('is an initBackend option and says so in the log line', async () => {
    const lines: string[] = [];
    const choice = await initBackend({ engine: 'wasm', threads: 2, log: (l) => lines.push(l) });
    expect(choice.threads).toBe(2);
    expect(lines).toEqual(['prunekit: backend wasm (SIMD on, 2 threads) — requested']);
    expect((await initBackend({ engine: 'wasm', threads: 1, log: () => {} })).threads).toBe(1);
  });

  it('lets the process exit by itself', async () => {
    const src = fileURLToPath(new URL('./wasm-threads.ts', import.meta.url));
    const script = `import '@tensorflow/tfjs-backend-wasm'; import * as tf from '@tensorflow/tfjs-core';
      const { startWasm } = await import(${JSON.stringify(src)});
      const r = await startWasm(2); tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync();
      console.log(JSON.stringify(r));`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 50_000 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    expect(out.trim()).toBe('{"threads":2}');
  });
});
