import * as tf from '@tensorflow/tfjs-core';
import { isPruneError, type BatchOptions, type Dataset, type Split } from '@prunekit/core';
import { createRng } from '@prunekit/tensor';
import { describe, expect, it } from 'vitest';
import { createArrayDataset } from './array-dataset.js';
import { drawCropFlip, writeCropFlip } from './augment.js';
import { channelStats } from './normalize.js';
import { epochOrder } from './order.js';
import { holdOut } from './split.js';

/** 10 examples, 2 features: x_i = [i, 10 + i], y_i = i % 3. */
function tenPoints(extra: Partial<Parameters<typeof createArrayDataset>[0]> = {}) {
  const x = new Float32Array(20);
  const y = new Int32Array(10);
  for (let i = 0; i < 10; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = 10 + i;
    y[i] = i % 3;
  }
  return createArrayDataset({
    name: 'ten',
    task: 'classification',
    inputShape: [2],
    outputSize: 3,
    train: { x, y },
    test: { x: x.slice(0, 6), y: y.slice(0, 3) },
    ...extra,
  });
}

interface HostBatch {
  x: number[];
  y: number[];
  xShape: number[];
  yShape: number[];
  xDtype: string;
  yDtype: string;
}

function collect(data: Dataset, split: Split, options: BatchOptions): HostBatch[] {
  const out: HostBatch[] = [];
  for (const { x, y } of data.batches(split, options)) {
    out.push({
      x: Array.from(x.dataSync()),
      y: Array.from(y.dataSync()),
      xShape: x.shape,
      yShape: y.shape,
      xDtype: x.dtype,
      yDtype: y.dtype,
    });
    x.dispose();
    y.dispose();
  }
  return out;
}

/** The example ids (first feature) in epoch order. */
const ids = (batches: HostBatch[]) => batches.flatMap((b) => b.x.filter((_, i) => i % 2 === 0));

function expectCode(fn: () => unknown, code: string, pattern?: RegExp) {
  try {
    fn();
  } catch (e) {
    expect(isPruneError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    if (pattern) expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a PruneError');
}

describe('ArrayDataset batching', () => {
  it('counts batches with and without dropLast', () => {
    const d = tenPoints();
    expect(d.size('train')).toBe(10);
    expect(d.size('test')).toBe(3);
    expect(d.size('validation')).toBe(0);
    expect(d.batchCount('train', { batchSize: 4 })).toBe(3);
    expect(d.batchCount('train', { batchSize: 4, dropLast: true })).toBe(2);
    expect(d.batchCount('train', { batchSize: 5, dropLast: true })).toBe(2);
    expect(d.batchCount('train', { batchSize: 11 })).toBe(1);
    expect(d.batchCount('train', { batchSize: 11, dropLast: true })).toBe(0);
    expect(d.batchCount('validation', { batchSize: 4 })).toBe(0);
  });

  it('yields exact unshuffled batches: sizes, last batch, dtypes and values', () => {
    const b = collect(tenPoints(), 'train', { batchSize: 4, seed: 0, shuffle: false });
    expect(b.map((x) => x.xShape)).toEqual([
      [4, 2],
      [4, 2],
      [2, 2],
    ]);
    expect(b.map((x) => x.yShape)).toEqual([[4], [4], [2]]);
    expect(b[0]!.xDtype).toBe('float32');
    expect(b[0]!.yDtype).toBe('int32');
    expect(b[0]!.x).toEqual([0, 10, 1, 11, 2, 12, 3, 13]);
    expect(b[2]!.x).toEqual([8, 18, 9, 19]);
    expect(b.flatMap((x) => x.y)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
  });

  for (const backend of ['wasm', 'cpu']) {
    it(`${backend}: batches held at once keep their own values (the host buffer is reused only where tf.tensor copies)`, async () => {
      const prev = tf.getBackend();
      await tf.setBackend(backend);
      try {
        const held = [...tenPoints().batches('train', { batchSize: 4, seed: 3 })];
        const one = collect(tenPoints(), 'train', { batchSize: 4, seed: 3 });
        expect(held.map((b) => Array.from(b.x.dataSync()))).toEqual(one.map((b) => b.x));
        expect(held.map((b) => Array.from(b.y.dataSync()))).toEqual(one.map((b) => b.y));
        tf.dispose(held.flatMap((b) => [b.x, b.y]));
      } finally {
        await tf.setBackend(prev);
      }
    });
  }

  it('drops the incomplete last batch with dropLast', () => {
    const b = collect(tenPoints(), 'train', { batchSize: 4, seed: 3, dropLast: true });
    expect(b.map((x) => x.xShape[0])).toEqual([4, 4]);
    expect(new Set(ids(b)).size).toBe(8);
  });

  it('does not shuffle test or validation unless asked', () => {
    expect(ids(collect(tenPoints(), 'test', { batchSize: 2, seed: 9 }))).toEqual([0, 1, 2]);
    const shuffled = ids(collect(tenPoints(), 'test', { batchSize: 2, seed: 9, shuffle: true }));
    expect([...shuffled].sort()).toEqual([0, 1, 2]);
  });

  it('shuffles train: every epoch is a permutation of all examples', () => {
    const d = tenPoints();
    for (const epoch of [0, 1, 2]) {
      const order = ids(collect(d, 'train', { batchSize: 3, seed: 5, epoch }));
      expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it('same (seed, epoch) → same order, even on a fresh dataset; other epochs and seeds differ', () => {
    const a = ids(collect(tenPoints(), 'train', { batchSize: 4, seed: 7, epoch: 3 }));
    const d = tenPoints();
    collect(d, 'train', { batchSize: 4, seed: 7, epoch: 0 });
    const b = ids(collect(d, 'train', { batchSize: 4, seed: 7, epoch: 3 }));
    expect(b).toEqual(a);
    expect(Array.from(d.order('train', { seed: 7, epoch: 3 }))).toEqual(a);
    expect(ids(collect(d, 'train', { batchSize: 4, seed: 7, epoch: 4 }))).not.toEqual(a);
    expect(ids(collect(d, 'train', { batchSize: 4, seed: 8, epoch: 3 }))).not.toEqual(a);
    // The order does not depend on the batch size.
    expect(ids(collect(d, 'train', { batchSize: 3, seed: 7, epoch: 3 }))).toEqual(a);
  });

  it('startBatch resumes inside an epoch with exactly the remaining batches', () => {
    const d = tenPoints();
    const full = collect(d, 'train', { batchSize: 3, seed: 2, epoch: 1 });
    expect(full).toHaveLength(4);
    expect(collect(d, 'train', { batchSize: 3, seed: 2, epoch: 1, startBatch: 2 })).toEqual(full.slice(2));
    expect(collect(d, 'train', { batchSize: 3, seed: 2, epoch: 1, startBatch: 4 })).toEqual([]);
    expectCode(
      () => d.batches('train', { batchSize: 3, seed: 2, startBatch: 5 }),
      'E_RECIPE',
      /startBatch must be a whole number in \[0, 4\]/,
    );
  });

  it('rejects bad batch options when called', () => {
    const d = tenPoints();
    expectCode(() => d.batches('train', { batchSize: 0, seed: 1 }), 'E_RECIPE', /batchSize/);
    expectCode(() => d.batches('train', { batchSize: 2, seed: 1, epoch: -1 }), 'E_RECIPE', /epoch/);
    expectCode(() => d.batches('train', { batchSize: 2, seed: Number.NaN }), 'E_RECIPE', /seed/);
    expectCode(() => d.batches('dev' as Split, { batchSize: 2, seed: 1 }), 'E_RECIPE', /unknown split 'dev'/);
  });

  it('gives regression targets as float32 [n, outputSize]', () => {
    const d = createArrayDataset({
      name: 'reg',
      task: 'regression',
      inputShape: [1],
      outputSize: 1,
      train: { x: Float32Array.of(1, 2, 3), y: Float32Array.of(0.5, -1, 2) },
    });
    const [b] = collect(d, 'train', { batchSize: 3, seed: 0, shuffle: false });
    expect(b!.yShape).toEqual([3, 1]);
    expect(b!.yDtype).toBe('float32');
    expect(b!.y).toEqual([0.5, -1, 2]);
  });

  it('checks the arrays it is given', () => {
    expectCode(
      () =>
        createArrayDataset({
          name: 'bad',
          task: 'classification',
          inputShape: [2],
          outputSize: 2,
          train: { x: new Float32Array(5), y: new Int32Array(2) },
        }),
      'E_DATA',
      /5 input values are not a whole number of examples/,
    );
    expectCode(
      () =>
        createArrayDataset({
          name: 'bad',
          task: 'classification',
          inputShape: [2],
          outputSize: 2,
          train: { x: new Float32Array(4), y: new Int32Array(3) },
        }),
      'E_DATA',
      /2 examples but 3 targets/,
    );
    expectCode(
      () =>
        createArrayDataset({
          name: 'bad',
          task: 'classification',
          inputShape: [1],
          outputSize: 2,
          train: { x: new Float32Array(2), y: Int32Array.of(0, 2) },
        }),
      'E_DATA',
      /label 2 of example 1 is not a class id in \[0, 1\]/,
    );
  });

  it('leaks no tensors across an epoch (and when the loop stops early)', () => {
    const d = tenPoints({ normalize: 'train' });
    const before = tf.memory().numTensors;
    collect(d, 'train', { batchSize: 3, seed: 1, epoch: 0 });
    expect(tf.memory().numTensors).toBe(before);
    for (const { x, y } of d.batches('train', { batchSize: 3, seed: 1 })) {
      x.dispose();
      y.dispose();
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('validation hold-out', () => {
  it('holdOut and epochOrder are pure functions of their seeds', () => {
    const h = holdOut(10, 3, 4);
    expect(h.train).toHaveLength(7);
    expect(h.validation).toHaveLength(3);
    expect(holdOut(10, 3, 4)).toEqual(h);
    expect(holdOut(5, 0, 1)).toEqual({
      train: Uint32Array.of(0, 1, 2, 3, 4),
      validation: new Uint32Array(0),
    });
    expect(epochOrder(4, { seed: 1, epoch: 0, shuffle: false })).toEqual(Uint32Array.of(0, 1, 2, 3));
    expect(epochOrder(50, { seed: 1, epoch: 2 })).toEqual(epochOrder(50, { seed: 1, epoch: 2 }));
  });

  it('carves a seeded validation split disjoint from train', () => {
    const d = tenPoints({ validation: 0.3, seed: 4 });
    expect(d.size('train')).toBe(7);
    expect(d.size('validation')).toBe(3);
    const train = ids(collect(d, 'train', { batchSize: 10, seed: 0 }));
    const val = ids(collect(d, 'validation', { batchSize: 10, seed: 0 }));
    expect(train.filter((i) => val.includes(i))).toEqual([]);
    expect([...train, ...val].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // validation keeps the original order and is not shuffled
    expect(val).toEqual([...val].sort((a, b) => a - b));
    // same seed → same split; another seed → another split
    expect(
      ids(collect(tenPoints({ validation: 0.3, seed: 4 }), 'validation', { batchSize: 10, seed: 9 })),
    ).toEqual(val);
    const other = [0, 1, 2, 3, 5, 6].map((s) =>
      ids(collect(tenPoints({ validation: 0.3, seed: s }), 'validation', { batchSize: 10, seed: 0 })),
    );
    expect(other.some((o) => o.join() !== val.join())).toBe(true);
  });

  it('accepts a count and rejects holding out everything', () => {
    expect(tenPoints({ validation: 2 }).size('validation')).toBe(2);
    expectCode(() => tenPoints({ validation: 10 }), 'E_RECIPE', /at least one must remain/);
    expectCode(() => tenPoints({ validation: 2.5 }), 'E_RECIPE', /whole count/);
  });
});

describe('normalization', () => {
  it('channelStats on literal data (float and byte paths agree)', () => {
    // two 1×1 RGB examples: (0, 1, 2) and (1, 2, 3)
    const expected = { mean: [0.5, 1.5, 2.5], std: [0.5, 0.5, 0.5] };
    expect(channelStats(Float32Array.of(0, 1, 2, 1, 2, 3), { exampleSize: 3, channels: 3 })).toEqual(
      expected,
    );
    expect(channelStats(Uint8Array.of(0, 1, 2, 1, 2, 3), { exampleSize: 3, channels: 3 })).toEqual(expected);
    // only the examples at `indices`; a constant channel reports std 1
    expect(
      channelStats(Uint8Array.of(9, 4, 7, 4, 5, 4), {
        exampleSize: 2,
        channels: 2,
        indices: [0, 2],
        scale: 0.5,
      }),
    ).toEqual({
      mean: [3.5, 2],
      std: [1, 1],
    });
    expect(channelStats(Float32Array.of(1, 2, 3, 4), { exampleSize: 1, channels: 1 })).toEqual({
      mean: [2.5],
      std: [Math.sqrt(1.25)],
    });
  });

  it('uses the training mean and population std per channel', () => {
    const d = tenPoints({ normalize: 'train' });
    // feature 0 is 0..9: mean 4.5, variance (10² − 1)/12 = 8.25; feature 1 is 10..19.
    const std = Math.sqrt(8.25);
    expect(d.normalization!.mean).toEqual([4.5, 14.5]);
    expect(d.normalization!.std[0]).toBeCloseTo(std, 12);
    expect(d.normalization!.std[1]).toBeCloseTo(std, 12);
    const [b] = collect(d, 'test', { batchSize: 3, seed: 0 });
    const expected = [0, 10, 1, 11, 2, 12].map((v, i) => (v - (i % 2 === 0 ? 4.5 : 14.5)) / std);
    for (const [i, v] of b!.x.entries()) expect(v).toBeCloseTo(expected[i]!, 6);
  });

  it('computes the statistics on train only, after the hold-out', () => {
    const d = tenPoints({ normalize: 'train', validation: 5, seed: 1 });
    const train = ids(
      collect(d, 'train', { batchSize: 10, seed: 0, shuffle: false }).map((b) => ({
        ...b,
        // undo normalization to recover the ids
        x: b.x.map((v, i) => v * d.normalization!.std[i % 2]! + d.normalization!.mean[i % 2]!),
      })),
    );
    const mean = train.reduce((a, b) => a + b, 0) / 5;
    expect(d.normalization!.mean[0]).toBeCloseTo(mean, 5);
  });

  it('applies given statistics and scales bytes by 1/255 first', () => {
    const given = tenPoints({ normalize: { mean: [1, 2], std: [2, 4] } });
    const [b] = collect(given, 'test', { batchSize: 1, seed: 0 });
    expect(b!.x).toEqual([(0 - 1) / 2, (10 - 2) / 4]);
    const bytes = createArrayDataset({
      name: 'px',
      task: 'classification',
      inputShape: [1, 1, 1],
      outputSize: 2,
      train: { x: Uint8Array.of(0, 255), y: Uint8Array.of(0, 1) },
      normalize: 'train',
    });
    expect(bytes.normalization).toEqual({ mean: [0.5], std: [0.5] });
    expect(collect(bytes, 'train', { batchSize: 2, seed: 0, shuffle: false })[0]!.x).toEqual([-1, 1]);
    expectCode(() => tenPoints({ normalize: { mean: [0], std: [1] } }), 'E_RECIPE', /one per channel/);
  });
});

describe('augmentation in batches', () => {
  /** 6 images 4×4×1 whose pixels are 1 + example·16 + position (never 0, so padding shows). */
  function images(extra: Partial<Parameters<typeof createArrayDataset>[0]> = {}) {
    const x = new Float32Array(6 * 16);
    for (let i = 0; i < x.length; i++) x[i] = 1 + i;
    return createArrayDataset({
      name: 'img',
      task: 'classification',
      inputShape: [4, 4, 1],
      outputSize: 2,
      train: { x, y: Int32Array.of(0, 1, 0, 1, 0, 1) },
      test: { x, y: Int32Array.of(0, 1, 0, 1, 0, 1) },
      augmentation: { padding: 1, flip: true },
      ...extra,
    });
  }

  it('is deterministic per (seed, epoch, batch) and follows the documented draws', () => {
    const d = images();
    const a = collect(d, 'train', { batchSize: 4, seed: 11, epoch: 2 });
    expect(collect(images(), 'train', { batchSize: 4, seed: 11, epoch: 2 })).toEqual(a);
    expect(collect(d, 'train', { batchSize: 4, seed: 11, epoch: 2, startBatch: 1 })).toEqual(a.slice(1));
    expect(collect(d, 'train', { batchSize: 4, seed: 11, epoch: 3 })).not.toEqual(a);
    // Recompute batch 0 by hand: order, then one crop/flip draw per example from fork('augment:train:2:0').
    const order = d.order('train', { seed: 11, epoch: 2 });
    const rng = createRng(11).fork('augment:train:2:0');
    const expected = new Float32Array(4 * 16);
    const src = new Float32Array(6 * 16).map((_, i) => 1 + i);
    for (let k = 0; k < 4; k++)
      writeCropFlip(
        src,
        order[k]! * 16,
        expected,
        k * 16,
        [4, 4, 1],
        drawCropFlip({ padding: 1, flip: true }, rng),
        [1],
        [0],
      );
    expect(a[0]!.x).toEqual(Array.from(expected));
    // some pixel fell into the zero padding, so augmentation really happened
    expect(a.some((b) => b.x.includes(0))).toBe(true);
  });

  it('is off for test by default, and when augment: false', () => {
    const plain = collect(images({ augmentation: { padding: 0, flip: false } }), 'train', {
      batchSize: 6,
      seed: 1,
    });
    expect(collect(images(), 'train', { batchSize: 6, seed: 1, augment: false })).toEqual(plain);
    expect(collect(images(), 'test', { batchSize: 6, seed: 1 })[0]!.x).toEqual(
      Array.from({ length: 96 }, (_, i) => 1 + i),
    );
  });

  it('needs [h, w, c] inputs', () => {
    expectCode(
      () => tenPoints({ augmentation: { padding: 4, flip: true } }),
      'E_RECIPE',
      /needs \[h, w, c\] images/,
    );
  });
});
