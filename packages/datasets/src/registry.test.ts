import { type Dataset, isPruneError, resolveOptions, z } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { createArrayDataset } from './array-dataset.js';
import { type DatasetFactory, loadDataset } from './dataset-factory.js';
import { gaussianMixture } from './gaussian-mixture.js';
import { builtinDatasets, createDatasetRegistry } from './registry.js';
import { teacherNeuron } from './teacher-neuron.js';

function whole(data: Dataset, split: 'train' | 'test') {
  for (const { x, y } of data.batches(split, { batchSize: data.size(split), seed: 0, shuffle: false })) {
    const out = {
      x: x.dataSync() as Float32Array,
      y: Array.from(y.dataSync()),
      xShape: x.shape,
      yShape: y.shape,
    };
    x.dispose();
    y.dispose();
    return out;
  }
  throw new Error('empty split');
}

describe('dataset registry', () => {
  it('holds the built-ins, each with valid defaults', () => {
    const reg = createDatasetRegistry();
    expect(reg.names()).toEqual([
      'cifar10',
      'cifar100',
      'fashion-mnist',
      'gaussian-mixture',
      'mnist',
      'teacher-neuron',
      'tiny-imagenet',
    ]);
    for (const f of builtinDatasets) {
      expect(f.description.length).toBeGreaterThan(10);
      expect(resolveOptions(f, {})).toEqual(f.defaults);
    }
  });

  it('names the known datasets for a typo and takes third-party datasets', async () => {
    const reg = createDatasetRegistry();
    expect(() => reg.get('cifar-10')).toThrow(
      /unknown dataset 'cifar-10' \(did you mean 'cifar10'\?\); known: cifar10, cifar100/,
    );
    const xor: DatasetFactory<{ copies: number }> = {
      name: 'xor',
      description: 'the four XOR points, repeated',
      defaults: { copies: 1 },
      schema: z.object({ copies: z.number().int().positive() }).strict(),
      load: ({ copies }) => {
        const x = new Float32Array(8 * copies).map((_, i) => [0, 0, 0, 1, 1, 0, 1, 1][i % 8]!);
        const y = new Int32Array(4 * copies).map((_, i) => [0, 1, 1, 0][i % 4]!);
        return createArrayDataset({
          name: 'xor',
          task: 'classification',
          inputShape: [2],
          outputSize: 2,
          train: { x, y },
        });
      },
    };
    reg.register(xor);
    expect(() => reg.register(xor)).toThrow(/already registered/);
    const data = await loadDataset(reg.get('xor'), { copies: 3 });
    expect(data.size('train')).toBe(12);
    const e = await loadDataset(reg.get('xor'), { copies: 0 }).catch((err: unknown) => err);
    expect(isPruneError(e, 'E_RECIPE')).toBe(true);
    expect((e as Error).message).toMatch(/data\.options\.copies/);
  });
});

describe('teacher-neuron', () => {
  it('is y = ReLU(x₁) on x ~ U[-1, 1]^d, a regression with [n, 1] targets', async () => {
    const data = await loadDataset(teacherNeuron, { d: 3, trainSize: 200, testSize: 50, seed: 1 });
    expect([data.task, data.inputShape, data.outputSize]).toEqual(['regression', [3], 1]);
    const { x, y, xShape, yShape } = whole(data, 'train');
    expect(xShape).toEqual([200, 3]);
    expect(yShape).toEqual([200, 1]);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...x)).toBeLessThan(1);
    for (const [i, v] of y.entries()) expect(v).toBe(Math.max(0, x[3 * i]!));
    // about half of the inputs are on the active side
    const active = y.filter((v) => v > 0).length;
    expect(active).toBeGreaterThan(70);
    expect(active).toBeLessThan(130);
  });

  it('adds Gaussian noise to training targets only; Gaussian inputs on request', async () => {
    const data = await loadDataset(teacherNeuron, {
      d: 2,
      trainSize: 4000,
      testSize: 100,
      noise: 0.1,
      input: 'gaussian',
      seed: 2,
    });
    const train = whole(data, 'train');
    const residual = train.y.map((v, i) => v - Math.max(0, train.x[2 * i]!));
    const sd = Math.sqrt(residual.reduce((a, r) => a + r * r, 0) / residual.length);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
    const xs = Array.from(train.x);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(std).toBeGreaterThan(0.95);
    expect(std).toBeLessThan(1.05);
    const test = whole(data, 'test');
    for (const [i, v] of test.y.entries()) expect(v).toBe(Math.max(0, test.x[2 * i]!));
  });

  it('is seeded: same seed → same data; the test set does not depend on trainSize', async () => {
    const a = whole(await loadDataset(teacherNeuron, { seed: 5 }), 'train');
    const b = whole(await loadDataset(teacherNeuron, { seed: 5 }), 'train');
    const c = whole(await loadDataset(teacherNeuron, { seed: 6 }), 'train');
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    expect(Array.from(c.x)).not.toEqual(Array.from(a.x));
    const t1 = whole(await loadDataset(teacherNeuron, { seed: 5, trainSize: 10 }), 'test');
    const t2 = whole(await loadDataset(teacherNeuron, { seed: 5, trainSize: 20 }), 'test');
    expect(Array.from(t2.x)).toEqual(Array.from(t1.x));
  });
});

describe('gaussian-mixture', () => {
  it('balanced labels, seeded, separable when far apart', async () => {
    const data = await loadDataset(gaussianMixture, {
      classes: 4,
      dims: 5,
      separation: 8,
      trainSize: 400,
      testSize: 200,
      seed: 3,
    });
    expect([data.task, data.inputShape, data.outputSize]).toEqual(['classification', [5], 4]);
    const train = whole(data, 'train');
    expect(train.y.slice(0, 8)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    // nearest class mean (estimated on train) classifies the test set
    const means = Array.from({ length: 4 }, () => new Float64Array(5));
    train.y.forEach((c, i) => {
      for (let j = 0; j < 5; j++) means[c]![j] = means[c]![j]! + train.x[5 * i + j]! / 100;
    });
    const test = whole(data, 'test');
    let correct = 0;
    test.y.forEach((c, i) => {
      const d = means.map((m) => m.reduce((a, v, j) => a + (v - test.x[5 * i + j]!) ** 2, 0));
      if (d.indexOf(Math.min(...d)) === c) correct++;
    });
    expect(correct / test.y.length).toBeGreaterThan(0.95);
    const again = whole(
      await loadDataset(gaussianMixture, {
        classes: 4,
        dims: 5,
        separation: 8,
        trainSize: 400,
        testSize: 200,
        seed: 3,
      }),
      'train',
    );
    expect(Array.from(again.x)).toEqual(Array.from(train.x));
  });

  it('makes image-like data that the augmentation path accepts', async () => {
    const data = await loadDataset(gaussianMixture, {
      shape: [6, 6, 2],
      trainSize: 8,
      testSize: 2,
      crop: 2,
      flip: true,
    });
    expect(data.inputShape).toEqual([6, 6, 2]);
    expect(whole(data, 'train').xShape).toEqual([8, 6, 6, 2]);
    const e = await loadDataset(gaussianMixture, { crop: 2 }).catch((err: unknown) => err);
    expect(isPruneError(e, 'E_RECIPE')).toBe(true);
  });
});
