import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { batchNorm, conv2d, dense, flatten, globalAvgPool, maxPool } from './layers.js';
import { Network, constantInit, kaimingNormal } from './network.js';

const spec = { name: 'test', inputShape: [4], outputSize: 1, task: 'regression' } as const;

/** A network holding one batch-norm layer over `c` channels. */
function bnNet(c: number, shape: number[]) {
  let bn: ReturnType<typeof batchNorm> | undefined;
  const net = new Network({ ...spec, inputShape: shape, outputSize: c }, 0, (n) => {
    bn = batchNorm(n, 'bn', c);
    return (x, training) => bn!(x, training);
  });
  return net;
}

describe('Network', () => {
  it('draws every tensor from createRng(seed).fork(name): same seed bit-identical, another seed different', () => {
    const make = (seed: number) =>
      new Network(spec, seed, (n) => {
        const a = dense(n, 'a', 4, 3);
        const b = dense(n, 'b', 3, 1);
        return (x) => b(a(x));
      });
    const [m1, m2, m3] = [make(7), make(7), make(8)];
    const [s1, s2, s3] = [m1.snapshot(), m2.snapshot(), m3.snapshot()];
    for (const name of ['a.weight', 'b.weight']) {
      expect(Buffer.from(s1.params.get(name)!.data.buffer)).toEqual(
        Buffer.from(s2.params.get(name)!.data.buffer),
      );
      expect(s1.params.get(name)!.data).not.toEqual(s3.params.get(name)!.data);
    }
    expect([...s1.params.get('a.bias')!.data]).toEqual([0, 0, 0]);
    m3.reinitialize(7);
    expect(m3.snapshot().params).toEqual(s1.params);
    for (const m of [m1, m2, m3]) m.dispose();
  });

  it('does not depend on the order tensors are declared in', () => {
    const ab = new Network(spec, 3, (n) => {
      n.param(
        { name: 'p', shape: [5], prunable: true, role: 'weight', layer: 'p', layerKind: 'dense' },
        kaimingNormal(5),
      );
      n.param(
        { name: 'q', shape: [5], prunable: true, role: 'weight', layer: 'q', layerKind: 'dense' },
        kaimingNormal(5),
      );
      return (x) => x;
    });
    const ba = new Network(spec, 3, (n) => {
      n.param(
        { name: 'q', shape: [5], prunable: true, role: 'weight', layer: 'q', layerKind: 'dense' },
        kaimingNormal(5),
      );
      n.param(
        { name: 'p', shape: [5], prunable: true, role: 'weight', layer: 'p', layerKind: 'dense' },
        kaimingNormal(5),
      );
      return (x) => x;
    });
    expect(ab.snapshot().params.get('p')).toEqual(ba.snapshot().params.get('p'));
    ab.dispose();
    ba.dispose();
  });

  it('an init rule may read tensors declared before it, and no others', () => {
    const make = () =>
      new Network(spec, 1, (n) => {
        n.param(
          { name: 'p', shape: [2], prunable: true, role: 'weight', layer: 'p', layerKind: 'dense' },
          () => Float32Array.of(3, 4),
        );
        n.param(
          { name: 'q', shape: [1], prunable: false, role: 'other', layer: 'q', layerKind: 'other' },
          ({ value }) => Float32Array.of(value('p')[0]! + value('p')[1]!),
        );
        return (x) => x;
      });
    const net = make();
    expect([...net.snapshot().params.get('q')!.data]).toEqual([7]);
    net.reinitialize(2);
    expect([...net.snapshot().params.get('q')!.data]).toEqual([7]);
    net.dispose();
    expect(
      () =>
        new Network(spec, 1, (n) => {
          n.param(
            { name: 'q', shape: [1], prunable: false, role: 'other', layer: 'q', layerKind: 'other' },
            ({ value }) => value('p'),
          );
          return (x) => x;
        }),
    ).toThrow(/asked for 'p', which is not initialized before it/);
  });

  it('Kaiming-normal init has mean 0 and std sqrt(2 / fan_in) on a large layer', () => {
    const net = new Network(spec, 11, (n) => {
      n.param(
        { name: 'w', shape: [3, 3, 64, 128], prunable: true, role: 'weight', layer: 'w', layerKind: 'conv' },
        kaimingNormal(576),
      );
      return (x) => x;
    });
    const w = net.snapshot().params.get('w')!.data;
    let s = 0;
    let s2 = 0;
    for (const v of w) {
      s += v;
      s2 += v * v;
    }
    const mean = s / w.length;
    const std = Math.sqrt(s2 / w.length - mean * mean);
    const expected = Math.sqrt(2 / 576);
    // 73,728 draws: the standard error of the sample std is ~0.26 % of it.
    expect(Math.abs(std / expected - 1)).toBeLessThan(0.01);
    expect(Math.abs(mean)).toBeLessThan(0.01 * expected);
    net.dispose();
  });

  it('forward returns one caller-owned tensor and frees its temporaries', () => {
    const net = new Network({ ...spec, inputShape: [2, 2, 1] }, 0, (n) => {
      const c = conv2d(n, 'c', 1, 2, { kernel: 1 });
      const bn = batchNorm(n, 'bn', 2);
      const fc = dense(n, 'fc', 2, 1);
      return (x, t) => fc(globalAvgPool(tf.relu(bn(c(x), t))));
    });
    const x = tf.ones([3, 2, 2, 1]);
    for (const training of [false, true]) {
      const before = tf.memory().numTensors;
      const y = net.forward(x, training);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(y.shape).toEqual([3, 1]);
      y.dispose();
    }
    x.dispose();
    net.dispose();
  });

  it('rejects an input of the wrong shape, hinting at NHWC', () => {
    const net = new Network({ ...spec, inputShape: [8, 8, 3] }, 0, () => (x) => x);
    const x = tf.zeros([2, 3, 8, 8]);
    expect(() => net.forward(x, false)).toThrow(
      /expects input \[batch, 8, 8, 3\] \(NHWC\), got \[2, 3, 8, 8\].*channels-last/,
    );
    x.dispose();
    net.dispose();
  });

  it('dispose frees every variable', () => {
    const before = tf.memory().numTensors;
    const net = bnNet(3, [3]);
    expect(tf.memory().numTensors).toBe(before + 4);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('layers', () => {
  it('dense computes x·W + b with W as [in, out]', () => {
    const net = new Network({ ...spec, inputShape: [2], outputSize: 3 }, 0, (n) => {
      const fc = dense(n, 'fc', 2, 3);
      return (x) => fc(x);
    });
    net.restore(
      {
        params: new Map([
          ['fc.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
          ['fc.bias', { shape: [3], data: Float32Array.from([0.5, -0.5, 0]) }],
        ]),
      },
      {},
    );
    const x = tf.tensor2d([[1, -1]]);
    const y = net.forward(x, false);
    // [1·1 − 1·4 + 0.5, 1·2 − 1·5 − 0.5, 1·3 − 1·6 + 0] = [−2.5, −3.5, −3]
    expect([...y.dataSync()]).toEqual([-2.5, -3.5, -3]);
    tf.dispose([x, y]);
    net.dispose();
  });

  it('conv2d pads symmetrically like PyTorch (3×3, stride 2, padding 1 on a 4×4 input)', () => {
    const net = new Network({ ...spec, inputShape: [4, 4, 1] }, 0, (n) => {
      const c = conv2d(n, 'c', 1, 1, { kernel: 3, stride: 2 });
      return (x) => c(x);
    });
    net.restore({
      params: new Map([['c.weight', { shape: [3, 3, 1, 1], data: new Float32Array(9).fill(1) }]]),
    });
    const x = tf.tensor4d(
      Float32Array.from({ length: 16 }, (_, i) => i + 1),
      [1, 4, 4, 1],
    );
    const y = net.forward(x, false);
    // Windows centred on (0,0), (0,2), (2,0), (2,2) of [[1..4],[5..8],[9..12],[13..16]]:
    // 1+2+5+6 = 14; 2+3+4+6+7+8 = 30; 5+6+9+10+13+14 = 57; 6+7+8+10+11+12+14+15+16 = 99
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect([...y.dataSync()]).toEqual([14, 30, 57, 99]);
    tf.dispose([x, y]);
    net.dispose();
  });

  it('batch norm, training: batch statistics, running stats updated with momentum 0.1 and the unbiased variance', () => {
    const net = bnNet(1, [1]);
    const x = tf.tensor2d([[1], [2], [3], [4]]);
    const y = net.forward(x, true);
    // mean 2.5, biased variance 1.25, unbiased 5/3
    const inv = 1 / Math.sqrt(1.25 + 1e-5);
    const want = [-1.5 * inv, -0.5 * inv, 0.5 * inv, 1.5 * inv];
    [...y.dataSync()].forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 5);
    });
    const state = net.snapshot().state;
    expect(state.get('bn.running_mean')!.data[0]).toBeCloseTo(0.25, 6);
    expect(state.get('bn.running_var')!.data[0]).toBeCloseTo(0.9 + 0.1 * (5 / 3), 6);
    tf.dispose([x, y]);
    net.dispose();
  });

  it('batch norm, eval: running statistics, which stay unchanged', () => {
    const net = bnNet(2, [2]);
    net.restore({
      state: new Map([
        ['bn.running_mean', { shape: [2], data: Float32Array.from([1, -1]) }],
        ['bn.running_var', { shape: [2], data: Float32Array.from([4, 0.25]) }],
      ]),
      params: new Map([
        ['bn.gamma', { shape: [2], data: Float32Array.from([2, 1]) }],
        ['bn.beta', { shape: [2], data: Float32Array.from([0, 3]) }],
      ]),
    });
    const before = net.snapshot().state;
    const x = tf.tensor2d([[3, 0]]);
    const y = net.forward(x, false);
    // (3 − 1)/√(4+ε)·2 + 0 ≈ 2; (0 + 1)/√(0.25+ε)·1 + 3 ≈ 5
    const [a, b] = y.dataSync();
    expect(a).toBeCloseTo(2, 4);
    expect(b).toBeCloseTo(5, 4);
    expect(net.snapshot().state).toEqual(before);
    tf.dispose([x, y]);
    net.dispose();
  });

  it('batch norm training gradients equal autodiff of the textbook formula', () => {
    const net = bnNet(3, [2, 2, 3]);
    net.restore({
      params: new Map([
        ['bn.gamma', { shape: [3], data: Float32Array.from([1.5, -0.5, 2]) }],
        ['bn.beta', { shape: [3], data: Float32Array.from([0.1, 0.2, -0.3]) }],
      ]),
    });
    const x = tf.tensor4d(
      Float32Array.from({ length: 36 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5))),
      [3, 2, 2, 3],
    );
    const r = tf.tensor4d(
      Float32Array.from({ length: 36 }, (_, i) => Math.cos(i * 0.9)),
      [3, 2, 2, 3],
    );
    const gamma = net.variable('bn.gamma');
    const beta = net.variable('bn.beta');
    // gamma and beta are the layer's own variables, so the forward pass depends on them.
    const ours = tf.grads((xx: tf.Tensor, _g: tf.Tensor, _b: tf.Tensor) =>
      tf.sum(tf.mul(net.forward(xx, true), r)),
    );
    const reference = tf.grads((xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      const y = tf.add(tf.mul(tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
      return tf.sum(tf.mul(y, r));
    });
    const got = ours([x, gamma, beta]);
    const want = reference([x, gamma, beta]);
    for (let k = 0; k < 3; k++) {
      const [gv, wv] = [got[k]!.dataSync(), want[k]!.dataSync()];
      expect(gv.length).toBe(wv.length);
      gv.forEach((v, i) => {
        expect(v).toBeCloseTo(wv[i]!, 4);
      });
    }
    expect(Math.max(...got[1]!.dataSync().map(Math.abs))).toBeGreaterThan(0.1);
    tf.dispose([x, r, ...got, ...want]);
    net.dispose();
  });

  it('maxPool: explicit padding pads with −∞, same rounds odd sizes up', () => {
    const x = tf.tensor4d([-1, -2, -3, -4, -5, -6, -7, -8, -9], [1, 3, 3, 1]);
    const a = maxPool(x, 3, 2, 1);
    const b = maxPool(x, 2, 2, 'same');
    expect(a.shape).toEqual([1, 2, 2, 1]);
    expect([...a.dataSync()]).toEqual([-1, -2, -4, -5]);
    expect(b.shape).toEqual([1, 2, 2, 1]);
    expect([...b.dataSync()]).toEqual([-1, -3, -7, -9]);
    const f = flatten(tf.ones([2, 3, 3, 4]));
    expect(f.shape).toEqual([2, 36]);
    tf.dispose([x, a, b, f]);
  });

  it('constantInit fills', () => {
    const rule = constantInit(1);
    expect([
      ...rule({
        name: 'g',
        shape: [3],
        size: 3,
        rng: undefined as never,
        seed: 0,
        value: () => new Float32Array(),
      }),
    ]).toEqual([1, 1, 1]);
  });
});
