import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { lenet300100 } from './lenet-300-100.js';
import { mlp } from './mlp.js';
import { createModel } from './model-factory.js';

const count = (shapes: readonly (readonly number[])[]) =>
  shapes.reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);

describe('mlp and lenet-300-100', () => {
  it('LeNet-300-100 has 266,610 parameters, 266,200 of them prunable', () => {
    // 784·300 + 300 + 300·100 + 100 + 100·10 + 10 = 266,610; weights alone 235,200 + 30,000 + 1,000 = 266,200
    const model = createModel(lenet300100, {});
    expect(count(model.params.map((p) => p.shape))).toBe(266_610);
    expect(count(model.params.filter((p) => p.prunable).map((p) => p.shape))).toBe(266_200);
    expect(model.params.map((p) => [p.name, p.shape, p.prunable])).toEqual([
      ['fc1.weight', [784, 300], true],
      ['fc1.bias', [300], false],
      ['fc2.weight', [300, 100], true],
      ['fc2.bias', [100], false],
      ['fc3.weight', [100, 10], true],
      ['fc3.bias', [10], false],
    ]);
    expect(model.name).toBe('lenet-300-100');
    model.dispose();
  });

  it('any widths, flattening NHWC input; no hidden layer is a linear model', () => {
    const deep = createModel(mlp, { inputShape: [2, 2, 3], hidden: [5, 4, 3], classes: 2 });
    expect(deep.params.filter((p) => p.prunable).map((p) => p.shape)).toEqual([
      [12, 5],
      [5, 4],
      [4, 3],
      [3, 2],
    ]);
    const linear = createModel(mlp, { inputShape: [3], hidden: [], classes: 2 });
    linear.restore({
      params: new Map([
        ['fc1.weight', { shape: [3, 2], data: Float32Array.from([1, 0, 0, 1, 1, 1]) }],
        ['fc1.bias', { shape: [2], data: Float32Array.from([0, -1]) }],
      ]),
    });
    const x = tf.tensor2d([[1, -2, 3]]);
    const y = linear.forward(x, false);
    // [1·1 + (−2)·0 + 3·1, 1·0 + (−2)·1 + 3·1 − 1] = [4, 0] — no ReLU on the logits
    expect([...y.dataSync()]).toEqual([4, 0]);
    const img = tf.ones([4, 2, 2, 3]);
    const z = deep.forward(img, true);
    expect(z.shape).toEqual([4, 2]);
    tf.dispose([x, y, img, z]);
    deep.dispose();
    linear.dispose();
  });

  it('hidden layers apply ReLU', () => {
    const m = createModel(mlp, { inputShape: [1], hidden: [1], classes: 1 });
    m.restore({
      params: new Map([
        ['fc1.weight', { shape: [1, 1], data: Float32Array.of(1) }],
        ['fc1.bias', { shape: [1], data: Float32Array.of(0) }],
        ['fc2.weight', { shape: [1, 1], data: Float32Array.of(2) }],
        ['fc2.bias', { shape: [1], data: Float32Array.of(1) }],
      ]),
    });
    const x = tf.tensor2d([[-3], [3]]);
    const y = m.forward(x, false);
    expect([...y.dataSync()]).toEqual([1, 7]); // 2·ReLU(−3) + 1, 2·ReLU(3) + 1
    tf.dispose([x, y]);
    m.dispose();
  });
});
