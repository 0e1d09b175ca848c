import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, isPruneError } from '@prunekit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArrayDataset } from './array-dataset.js';
import { cifar10 } from './cifar10.js';
import { cifar100 } from './cifar100.js';
import { loadDataset } from './dataset-factory.js';
import { cifarRecord, concat, put, tempDir } from './fixtures.testutil.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

/** Pixel (channel c, position p) of example with id `id`: distinct per channel and example. */
const pixel = (id: number) => (c: number, p: number) => (id * 3 + c * 80 + p) % 256;

/** CIFAR-10 folder: batch b (1..5) holds examples 2(b-1), 2(b-1)+1; test holds 100, 101, 102. */
function writeCifar10(root: string): string {
  const dir = join(root, 'cifar-10-batches-bin');
  for (let b = 1; b <= 5; b++) {
    const ids = [2 * (b - 1), 2 * (b - 1) + 1];
    put(dir, `data_batch_${b}.bin`, concat(ids.map((id) => cifarRecord([id % 10], pixel(id)))));
  }
  put(dir, 'test_batch.bin', concat([100, 101, 102].map((id) => cifarRecord([id % 10], pixel(id)))));
  return dir;
}

function all(data: Dataset, split: 'train' | 'test') {
  const n = data.size(split);
  for (const { x, y } of data.batches(split, { batchSize: n, seed: 0, shuffle: false, augment: false })) {
    const out = { x: Array.from(x.dataSync()), y: Array.from(y.dataSync()), shape: x.shape };
    x.dispose();
    y.dispose();
    return out;
  }
  throw new Error('empty');
}

async function expectData(p: Promise<unknown>, pattern: RegExp) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isPruneError(e, 'E_DATA'), `expected E_DATA, got ${String(e)}`).toBe(true);
  expect((e as Error).message).toMatch(pattern);
}

describe('cifar10 on exact-format binary files', () => {
  it('reads records in file order and converts CHW to HWC', async () => {
    writeCifar10(tmp.dir);
    const data = await loadDataset(cifar10, { dir: tmp.dir, normalize: 'none' });
    expect(data.inputShape).toEqual([32, 32, 3]);
    expect([data.size('train'), data.size('test')]).toEqual([10, 3]);
    const train = all(data, 'train');
    expect(train.shape).toEqual([10, 32, 32, 3]);
    expect(train.y).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const test = all(data, 'test');
    expect(test.y).toEqual([0, 1, 2]);
    // test example 1 (id 101): HWC value at pixel p, channel c is pixel(101)(c, p) / 255
    const base = 1 * 3072;
    for (const [p, c] of [
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [33, 2],
      [1023, 1],
    ] as const) {
      expect(test.x[base + p * 3 + c]).toBe(Math.fround(pixel(101)(c, p) / 255));
    }
  });

  it('accepts the folder itself, honours limit across files, and has the paper augmentation on by default', async () => {
    const folder = writeCifar10(tmp.dir);
    const data = (await loadDataset(cifar10, { dir: folder, limit: 3 })) as ArrayDataset;
    expect([data.size('train'), data.size('test')]).toEqual([3, 3]);
    expect(all(data, 'train').y).toEqual([0, 1, 2]);
    expect(data.augmentation).toEqual({ padding: 4, flip: true });
    expect(data.normalization?.mean).toHaveLength(3);
  });

  it('computes per-channel statistics on train', async () => {
    const dir = join(tmp.dir, 'cifar-10-batches-bin');
    // all five batches: one record each, constant channels (c+1)·10 + id
    for (let b = 1; b <= 5; b++)
      put(
        dir,
        `data_batch_${b}.bin`,
        cifarRecord([0], (c) => (c + 1) * 10 + b),
      );
    put(
      dir,
      'test_batch.bin',
      cifarRecord([0], () => 0),
    );
    const data = (await loadDataset(cifar10, { dir: tmp.dir })) as ArrayDataset;
    // channel c takes the values (c+1)·10 + 1..5: mean (c+1)·10 + 3, population std √2 (÷255)
    for (const [c, m] of data.normalization!.mean.entries())
      expect(m).toBeCloseTo(((c + 1) * 10 + 3) / 255, 12);
    for (const s of data.normalization!.std) expect(s).toBeCloseTo(Math.SQRT2 / 255, 12);
  });

  it('rejects a length that is not a multiple of the record size', async () => {
    const dir = writeCifar10(tmp.dir);
    appendFileSync(join(dir, 'data_batch_2.bin'), Buffer.alloc(5));
    await expectData(
      loadDataset(cifar10, { dir: tmp.dir }),
      /data_batch_2\.bin: length 6151 is not a multiple of the record size 3073 \(1 label byte \+ 3072 pixel bytes\)/,
    );
  });

  it('rejects an empty file, a missing file and a label out of range', async () => {
    const dir = writeCifar10(tmp.dir);
    writeFileSync(join(dir, 'test_batch.bin'), '');
    await expectData(loadDataset(cifar10, { dir: tmp.dir }), /test_batch\.bin: is empty/);
    rmSync(join(dir, 'data_batch_3.bin'));
    await expectData(loadDataset(cifar10, { dir: tmp.dir }), /data_batch_3\.bin: missing/);
    writeCifar10(tmp.dir);
    put(dir, 'data_batch_4.bin', concat([cifarRecord([1], pixel(0)), cifarRecord([10], pixel(1))]));
    await expectData(
      loadDataset(cifar10, { dir: tmp.dir }),
      /data_batch_4\.bin: record 1: class label 10 is out of range; expected \[0, 9\]/,
    );
  });

  it('reports an empty directory', async () => {
    await expectData(loadDataset(cifar10, { dir: tmp.dir }), /CIFAR-10: directory .* is empty/);
  });
});

describe('cifar100 on exact-format binary files', () => {
  function writeCifar100(root: string) {
    const dir = join(root, 'cifar-100-binary');
    put(
      dir,
      'train.bin',
      concat([
        cifarRecord([3, 42], pixel(0)),
        cifarRecord([19, 99], pixel(1)),
        cifarRecord([0, 0], pixel(2)),
      ]),
    );
    put(dir, 'test.bin', concat([cifarRecord([7, 12], pixel(3))]));
    return dir;
  }

  it('uses fine labels by default and coarse ones on request', async () => {
    writeCifar100(tmp.dir);
    const fine = await loadDataset(cifar100, { dir: tmp.dir });
    expect(fine.outputSize).toBe(100);
    expect(all(fine, 'train').y).toEqual([42, 99, 0]);
    const coarse = await loadDataset(cifar100, { dir: tmp.dir, labels: 'coarse', normalize: 'none' });
    expect(coarse.outputSize).toBe(20);
    expect(all(coarse, 'train').y).toEqual([3, 19, 0]);
    expect(all(coarse, 'test').x[5]).toBe(Math.fround(pixel(3)(2, 1) / 255));
  });

  it('checks both label bytes and the record size (3074)', async () => {
    const dir = writeCifar100(tmp.dir);
    put(dir, 'test.bin', cifarRecord([7, 100], pixel(3)));
    await expectData(
      loadDataset(cifar100, { dir: tmp.dir }),
      /test\.bin: record 0: fine label 100 is out of range; expected \[0, 99\]/,
    );
    put(dir, 'test.bin', cifarRecord([20, 1], pixel(3)));
    await expectData(
      loadDataset(cifar100, { dir: tmp.dir, labels: 'fine' }),
      /coarse label 20 is out of range; expected \[0, 19\]/,
    );
    put(dir, 'test.bin', cifarRecord([1], pixel(3)));
    await expectData(
      loadDataset(cifar100, { dir: tmp.dir }),
      /test\.bin: length 3073 is not a multiple of the record size 3074/,
    );
  });
});
