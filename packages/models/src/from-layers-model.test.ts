import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { fromLayersModel } from './from-layers-model.js';
import { fixedBatch, sgdSteps } from './test-support.js';

/** Conv → BN → flatten → dense(ReLU) → dense (user-named head). */
function build() {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' }),
      tfl.layers.batchNormalization(),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 4, activation: 'relu' }),
      tfl.layers.dense({ units: 2 }),
      tfl.layers.dense({ units: 2, name: 'head' }),
    ],
  });
}

const NAMES = [
  'conv2d/kernel',
  'conv2d/bias',
  'batch_normalization/gamma',
  'batch_normalization/beta',
  'dense/kernel',
  'dense/bias',
  'dense_1/kernel',
  'dense_1/bias',
  'head/kernel',
  'head/bias',
];

describe('fromLayersModel', () => {
  it('gives stable Keras-style names, kernels prunable by default, BN moving stats as state', () => {
    const a = fromLayersModel(build());
    const b = fromLayersModel(build()); // tfjs numbers layers globally (dense_Dense3, …): the names still agree
    expect(a.params.map((p) => p.name)).toEqual(NAMES);
    expect(b.params.map((p) => p.name)).toEqual(NAMES);
    expect(a.params.filter((p) => p.prunable).map((p) => p.name)).toEqual([
      'conv2d/kernel',
      'dense/kernel',
      'dense_1/kernel',
      'head/kernel',
    ]);
    expect(a.params.map((p) => p.role)).toEqual([
      'weight',
      'bias',
      'bn-gamma',
      'bn-beta',
      'weight',
      'bias',
      'weight',
      'bias',
      'weight',
      'bias',
    ]);
    expect(a.params[0]).toMatchObject({ shape: [3, 3, 2, 3], layer: 'conv2d', layerKind: 'conv' });
    expect(a.params[4]).toMatchObject({ shape: [48, 4], layer: 'dense', layerKind: 'dense' });
    expect(a.state.map((s) => s.name)).toEqual([
      'batch_normalization/moving_mean',
      'batch_normalization/moving_variance',
    ]);
    expect([a.inputShape, a.outputSize, a.task, a.name]).toEqual([
      [6, 6, 2],
      2,
      'classification',
      'layers-model',
    ]);
    a.dispose();
    b.dispose();
  });

  it('selects prunable kernels by pattern, list or predicate, and rejects selections that are not kernels', () => {
    const net = build();
    const byPattern = fromLayersModel(net, { prunable: /^dense/g });
    expect(byPattern.params.filter((p) => p.prunable).map((p) => p.name)).toEqual([
      'dense/kernel',
      'dense_1/kernel',
    ]);
    const byList = fromLayersModel(net, { prunable: ['conv2d/kernel', 'head/kernel'] });
    expect(byList.params.filter((p) => p.prunable).map((p) => p.name)).toEqual([
      'conv2d/kernel',
      'head/kernel',
    ]);
    const byFn = fromLayersModel(net, { prunable: (n) => n.startsWith('conv') });
    expect(byFn.params.filter((p) => p.prunable).map((p) => p.name)).toEqual(['conv2d/kernel']);
    expect(() => fromLayersModel(net, { prunable: ['dense/bias'] })).toThrow(
      /'dense\/bias', which is not a kernel/,
    );
    expect(() => fromLayersModel(net, { prunable: ['dense/kernal'] })).toThrow(
      /does not have.*dense\/kernel/,
    );
    expect(() => fromLayersModel(net, { prunable: /^lstm/ })).toThrow(
      /pattern \/\^lstm\/ selects no kernel\. the kernels are conv2d\/kernel/,
    );
    net.dispose();
  });

  it('forward is model.apply(x, { training }): eval matches predict; training updates moving stats', () => {
    const net = build();
    const model = fromLayersModel(net);
    const { x, y } = fixedBatch(model, 5, 1);
    const before = tf.memory().numTensors;
    const evalOut = model.forward(x, false);
    expect(tf.memory().numTensors).toBe(before + 1);
    const predicted = net.predict(x) as tf.Tensor;
    expect([...evalOut.dataSync()]).toEqual([...predicted.dataSync()]);
    predicted.dispose();
    const s0 = model.snapshot();
    const trainOut = model.forward(x, true);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect([...trainOut.dataSync()]).not.toEqual([...evalOut.dataSync()]);
    const s1 = model.snapshot();
    expect(s1.params).toEqual(s0.params);
    expect(s1.state.get('batch_normalization/moving_mean')!.data).not.toEqual(
      s0.state.get('batch_normalization/moving_mean')!.data,
    );
    model.restore({ state: s0.state });
    const again = model.forward(x, false);
    expect([...again.dataSync()]).toEqual([...evalOut.dataSync()]);
    tf.dispose([x, y, evalOut, trainOut, again]);
    model.dispose();
  });

  it('snapshot/restore round-trips; reinitialize(seed) is deterministic (Kaiming kernels, zero biases, BN identity)', () => {
    const a = fromLayersModel(build());
    const b = fromLayersModel(build());
    a.reinitialize(4);
    b.reinitialize(4);
    const sa = a.snapshot();
    expect(b.snapshot()).toEqual(sa);
    expect([...sa.params.get('conv2d/bias')!.data]).toEqual([0, 0, 0]);
    expect([...sa.params.get('batch_normalization/gamma')!.data]).toEqual([1, 1, 1]);
    expect([...sa.state.get('batch_normalization/moving_variance')!.data]).toEqual([1, 1, 1]);
    b.reinitialize(5);
    expect(b.snapshot().params.get('dense/kernel')!.data).not.toEqual(sa.params.get('dense/kernel')!.data);
    b.restore(sa);
    expect(b.snapshot()).toEqual(sa);
    a.dispose();
    b.dispose();
  });

  it('dispose frees the wrapped model', () => {
    const before = tf.memory().numTensors;
    const model = fromLayersModel(build());
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains through model.apply (dense model on wasm): loss falls, no tensor growth', () => {
    const net = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [5], units: 8, activation: 'relu' }),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    const model = fromLayersModel(net);
    model.reinitialize(1);
    const batch = fixedBatch(model, 16, 3);
    const { losses, counts } = sgdSteps(model, batch, 5, 0.1);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    expect(new Set(counts).size).toBe(1);
    tf.dispose([batch.x, batch.y]);
    model.dispose();
  });

  it('refuses models it cannot wrap', () => {
    expect(() => fromLayersModel(tfl.sequential())).toThrow(/not built.*inputShape/);
    const input = tfl.input({ shape: [3] });
    const twoHeads = tfl.model({
      inputs: input,
      outputs: [
        tfl.layers.dense({ units: 1 }).apply(input),
        tfl.layers.dense({ units: 2 }).apply(input),
      ] as tfl.SymbolicTensor[],
    });
    expect(() => fromLayersModel(twoHeads)).toThrow(
      /1 inputs and 2 outputs; only single-input, single-output/,
    );
    twoHeads.dispose();
  });
});
