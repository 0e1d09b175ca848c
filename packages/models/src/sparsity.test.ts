import * as tf from '@tensorflow/tfjs-core';
import { Mask } from '@prunekit/core';
import { sparseDensityThreshold } from '@prunekit/tensor';
import { describe, expect, it } from 'vitest';
// Backends come from the test setup (tools/vitest.setup.ts → initBackend: wasm).
import { lenet300100 } from './lenet-300-100.js';
import { createModel } from './model-factory.js';
import type { Network } from './network.js';

/** A deterministic mask keeping about `density` of every prunable weight. */
function maskFor(net: Network, density: number): Mask {
  return new Mask(
    net.params
      .filter((p) => p.prunable)
      .map((p) => {
        const n = p.shape.reduce((a, b) => a * b, 1);
        const data = Uint8Array.from({ length: n }, (_, i) =>
          Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1 < density ? 1 : 0,
        );
        return [p.name, { shape: [...p.shape], data }];
      }),
  );
}

/** Multiply every masked variable by its mask (as training does before a masked phase). */
function applyMask(net: Network, mask: Mask): void {
  for (const name of mask.names()) {
    const v = net.variable(name);
    const m = mask.get(name);
    tf.tidy(() => v.assign(tf.mul(v, tf.tensor(Float32Array.from(m.data), [...m.shape]))));
  }
}

describe('Network.setSparsity', () => {
  it('switches dense weights at or below the threshold to the sparse kernels, and back', () => {
    const net = createModel(lenet300100, {}, 1) as Network;
    net.setSparsity(maskFor(net, 0.1));
    expect(net.sparseLayers()).toEqual(['fc1.weight', 'fc2.weight', 'fc3.weight']);
    net.setSparsity(maskFor(net, 0.1), { maxDensity: 0 });
    expect(net.sparseLayers()).toEqual([]);
    net.setSparsity(maskFor(net, 0.6), { maxDensity: 0.5 });
    expect(net.sparseLayers()).toEqual([]);
    net.setSparsity(maskFor(net, 0.1));
    net.setSparsity(undefined);
    expect(net.sparseLayers()).toEqual([]);
    net.dispose();
  });

  it('gives the masked dense forward pass and gradients, without leaking tensors', () => {
    const net = createModel(lenet300100, {}, 2) as Network;
    const mask = maskFor(net, 0.1);
    applyMask(net, mask);
    const x = tf.randomNormal([37, 28, 28, 1], 0, 1, 'float32', 3);
    const vars = net.params.map((p) => net.variable(p.name));
    const run = () => tf.variableGrads(() => tf.sum(tf.square(net.forward(x, true))) as tf.Scalar, vars);
    const dense = run();
    const before = tf.memory().numTensors;
    net.setSparsity(mask);
    const sparse = run();
    net.setSparsity(undefined);
    expect(Math.abs(sparse.value.dataSync()[0]! - dense.value.dataSync()[0]!)).toBeLessThan(
      1e-4 * Math.abs(dense.value.dataSync()[0]!),
    );
    for (const p of net.params) {
      const v = net.variable(p.name).name;
      const want = dense.grads[v]!;
      const got = sparse.grads[v]!;
      // Dense gradients at pruned weights are discarded by the masked optimizer; compare the kept ones.
      const keep = p.prunable ? mask.get(p.name).data : undefined;
      const a = got.dataSync();
      const b = want.dataSync();
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i++) {
        if (keep && !keep[i]) {
          expect(a[i]).toBe(0);
          continue;
        }
        worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
        scale = Math.max(scale, Math.abs(b[i]!));
      }
      expect(worst).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
    }
    tf.dispose([sparse.value, ...Object.values(sparse.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([dense.value, ...Object.values(dense.grads), x]);
    net.dispose();
  });

  it('reads its default threshold from PRUNEKIT_SPARSE_DENSITY and rejects bad values', () => {
    expect(sparseDensityThreshold({})).toBe(0.45);
    expect(sparseDensityThreshold({ PRUNEKIT_SPARSE_DENSITY: '0' })).toBe(0);
    expect(sparseDensityThreshold({ PRUNEKIT_SPARSE_DENSITY: '0.5' })).toBe(0.5);
    expect(() => sparseDensityThreshold({ PRUNEKIT_SPARSE_DENSITY: 'lots' })).toThrow(
      /PRUNEKIT_SPARSE_DENSITY is 'lots'; it must be a density in \[0, 1\]/,
    );
    expect(() => sparseDensityThreshold({ PRUNEKIT_SPARSE_DENSITY: '2' })).toThrow(/PRUNEKIT_SPARSE_DENSITY/);
  });
});
