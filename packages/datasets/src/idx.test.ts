import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPruneError, type Dataset } from '@prunekit/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadDataset } from './dataset-factory.js';
import { fashionMnist } from './fashion-mnist.js';
import { idxBytes, put, tempDir, writeIdxFolder } from './fixtures.testutil.js';
import { IDX_LABELS_MAGIC, parseIdx } from './idx.js';
import { mnist } from './mnist.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => {
  tmp.cleanup();
  vi.unstubAllEnvs();
});

async function expectData(p: Promise<unknown>, ...patterns: RegExp[]) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isPruneError(e, 'E_DATA'), `expected E_DATA, got ${String(e)}`).toBe(true);
  for (const re of patterns) expect((e as Error).message).toMatch(re);
}

function firstBatch(data: Dataset, split: 'train' | 'test', batchSize: number) {
  for (const { x, y } of data.batches(split, { batchSize, seed: 0, shuffle: false })) {
    const out = { x: Array.from(x.dataSync()), y: Array.from(y.dataSync()), shape: x.shape };
    x.dispose();
    y.dispose();
    return out;
  }
  throw new Error('no batch');
}

describe('parseIdx', () => {
  it('reads a literal label file', () => {
    expect(parseIdx(Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 2, 7, 3), 'l', IDX_LABELS_MAGIC)).toEqual({
      dims: [2],
      data: Uint8Array.of(7, 3),
    });
  });
});

describe('mnist / fashion-mnist loaders on exact-format files', () => {
  it('loads plain IDX files: shapes, labels, pixels scaled to [0, 1]', async () => {
    writeIdxFolder(tmp.dir, { train: 12, test: 5 });
    const data = await loadDataset(mnist, { dir: tmp.dir, normalize: 'none' });
    expect(data.name).toBe('mnist');
    expect(data.inputShape).toEqual([4, 3, 1]);
    expect(data.outputSize).toBe(10);
    expect(data.size('train')).toBe(12);
    expect(data.size('test')).toBe(5);
    const b = firstBatch(data, 'test', 5);
    expect(b.shape).toEqual([5, 4, 3, 1]);
    expect(b.y).toEqual([0, 1, 2, 3, 4]);
    // example 1, pixel j = (7 + j) / 255
    expect(b.x.slice(12, 24)).toEqual(Array.from({ length: 12 }, (_, j) => Math.fround((7 + j) / 255)));
  });

  it('reads gzipped files identically, finds the folder under $PRUNEKIT_DATA_DIR, and honours limit', async () => {
    writeIdxFolder(join(tmp.dir, 'plain'), { train: 12, test: 5 });
    writeIdxFolder(join(tmp.dir, 'root', 'fashion-mnist'), { train: 12, test: 5, gz: true });
    vi.stubEnv('PRUNEKIT_DATA_DIR', join(tmp.dir, 'root'));
    const gz = await loadDataset(fashionMnist, { normalize: 'none' });
    const plain = await loadDataset(fashionMnist, { dir: join(tmp.dir, 'plain'), normalize: 'none' });
    expect(firstBatch(gz, 'train', 12)).toEqual(firstBatch(plain, 'train', 12));
    const small = await loadDataset(fashionMnist, { limit: 3 });
    expect([small.size('train'), small.size('test')]).toEqual([3, 3]);
  });

  it('with limit inflates only the first examples of a gzipped file: same values, later bytes unread', async () => {
    writeIdxFolder(join(tmp.dir, 'gz'), { train: 3000, test: 5, rows: 8, cols: 8, gz: true });
    writeIdxFolder(join(tmp.dir, 'plain'), { train: 3000, test: 5, rows: 8, cols: 8 });
    const limited = await loadDataset(mnist, { dir: join(tmp.dir, 'gz'), limit: 40, normalize: 'none' });
    const plain = await loadDataset(mnist, { dir: join(tmp.dir, 'plain'), limit: 40, normalize: 'none' });
    expect(limited.size('train')).toBe(40);
    expect(firstBatch(limited, 'train', 40)).toEqual(firstBatch(plain, 'train', 40));
    // Garbage in the deflate stream far past the first 40 images: a full load fails, a limited one
    // never reaches it.
    const file = join(tmp.dir, 'gz', 'train-images-idx3-ubyte.gz');
    const gz = Buffer.from(readFileSync(file));
    gz.fill(0xff, gz.length - 200, gz.length - 8);
    writeFileSync(file, gz);
    await expectData(
      loadDataset(mnist, { dir: join(tmp.dir, 'gz') }),
      /train-images-idx3-ubyte\.gz: is not a valid gzip file/,
    );
    const again = await loadDataset(mnist, { dir: join(tmp.dir, 'gz'), limit: 40, normalize: 'none' });
    expect(firstBatch(again, 'train', 40)).toEqual(firstBatch(plain, 'train', 40));
    // A stream cut before the examples asked for is an error, as is a plain file cut anywhere.
    writeFileSync(file, gz.subarray(0, 60));
    await expectData(
      loadDataset(mnist, { dir: join(tmp.dir, 'gz'), limit: 2000 }),
      /train-images-idx3-ubyte\.gz/,
    );
    put(
      join(tmp.dir, 'plain'),
      'train-images-idx3-ubyte',
      idxBytes(0x803, [3000, 8, 8], new Uint8Array(100)),
    );
    await expectData(
      loadDataset(mnist, { dir: join(tmp.dir, 'plain'), limit: 1 }),
      /need 192000 data bytes but the file has 100/,
    );
  });

  it('normalizes with the training pixels mean and std', async () => {
    writeIdxFolder(tmp.dir, { train: 2, test: 1, rows: 1, cols: 2 });
    // train pixels: example 0 → 0, 1; example 1 → 7, 8 (÷255): mean 4/255, std sqrt(12.5)/255
    const data = await loadDataset(mnist, { dir: tmp.dir });
    const norm = (data as unknown as { normalization: { mean: number[]; std: number[] } }).normalization;
    expect(norm.mean[0]).toBeCloseTo(4 / 255, 12);
    expect(norm.std[0]).toBeCloseTo(Math.sqrt(12.5) / 255, 12);
  });

  it('validates options with the schema', async () => {
    const e = await loadDataset(mnist, { limit: 0 }).catch((err: unknown) => err);
    expect(isPruneError(e, 'E_RECIPE')).toBe(true);
    expect((e as Error).message).toMatch(/limit/);
    const u = await loadDataset(mnist, { directory: '/x' }).catch((err: unknown) => err);
    expect(isPruneError(u, 'E_RECIPE')).toBe(true);
  });
});

describe('IDX failure modes (each E_DATA names the file)', () => {
  const load = () => loadDataset(mnist, { dir: tmp.dir });

  it('wrong magic number in the images file', async () => {
    writeIdxFolder(tmp.dir, { train: 4, test: 2 });
    put(tmp.dir, 'train-images-idx3-ubyte', idxBytes(0x801, [48], new Uint8Array(48)));
    await expectData(
      load(),
      /train-images-idx3-ubyte: magic number is 0x00000801, expected 0x00000803 \(IDX images\)/,
    );
  });

  it('wrong magic number in the labels file', async () => {
    writeIdxFolder(tmp.dir, { train: 4, test: 2 });
    put(tmp.dir, 't10k-labels-idx1-ubyte', idxBytes(0x803, [2, 1, 1], [0, 1]));
    await expectData(
      load(),
      /t10k-labels-idx1-ubyte: magic number is 0x00000803, expected 0x00000801 \(IDX labels\)/,
    );
  });

  it('header dimensions disagree with the file length (truncated / trailing bytes)', async () => {
    writeIdxFolder(tmp.dir, { train: 4, test: 2 });
    const full = idxBytes(0x803, [4, 4, 3], new Uint8Array(48));
    put(tmp.dir, 'train-images-idx3-ubyte', full.subarray(0, full.length - 5));
    await expectData(
      load(),
      /train-images-idx3-ubyte: header dimensions 4×4×3 need 48 data bytes but the file has 43 \(truncated\?\)/,
    );
    put(tmp.dir, 'train-images-idx3-ubyte', Buffer.concat([full, Buffer.alloc(2)]));
    await expectData(load(), /has 50 \(trailing bytes\)/);
    put(tmp.dir, 'train-images-idx3-ubyte', Uint8Array.of(0, 0));
    await expectData(load(), /is 2 bytes long, too short/);
  });

  it('label out of range', async () => {
    writeIdxFolder(tmp.dir, { train: 4, test: 2 });
    put(tmp.dir, 'train-labels-idx1-ubyte', idxBytes(0x801, [4], [0, 1, 2, 10]));
    await expectData(
      load(),
      /train-labels-idx1-ubyte: label 10 at index 3 is out of range; expected a class id in \[0, 9\]/,
    );
  });

  it('image and label counts disagree', async () => {
    writeIdxFolder(tmp.dir, { train: 4, test: 2 });
    put(tmp.dir, 'train-labels-idx1-ubyte', idxBytes(0x801, [3], [0, 1, 2]));
    await expectData(
      load(),
      /train-labels-idx1-ubyte: has 3 labels but .*train-images-idx3-ubyte has 4 images/,
    );
  });

  it('train and test image sizes disagree', async () => {
    writeIdxFolder(tmp.dir, { train: 4, test: 2 });
    put(tmp.dir, 't10k-images-idx3-ubyte', idxBytes(0x803, [2, 2, 2], new Uint8Array(8)));
    await expectData(load(), /t10k-images-idx3-ubyte: images are 2×2 but the training images .* are 4×3/);
  });

  it('missing file', async () => {
    writeIdxFolder(tmp.dir, { train: 4, test: 2 });
    put(tmp.dir, 't10k-labels-idx1-ubyte', '');
    const { rmSync } = await import('node:fs');
    rmSync(join(tmp.dir, 't10k-labels-idx1-ubyte'));
    await expectData(load(), /t10k-labels-idx1-ubyte\(\.gz\): missing/);
  });

  it('corrupt gzip', async () => {
    writeIdxFolder(tmp.dir, { train: 4, test: 2, gz: true });
    writeFileSync(join(tmp.dir, 'train-images-idx3-ubyte.gz'), Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3));
    await expectData(load(), /train-images-idx3-ubyte\.gz: is not a valid gzip file/);
  });

  it('empty, unrelated and missing directories', async () => {
    await expectData(load(), /MNIST: directory .* is empty/);
    writeFileSync(join(tmp.dir, 'notes.txt'), 'hi');
    await expectData(load(), /no MNIST files in .*; it holds: notes\.txt/);
    await expectData(loadDataset(mnist, { dir: join(tmp.dir, 'nope') }), /directory .*nope does not exist/);
    vi.stubEnv('PRUNEKIT_DATA_DIR', join(tmp.dir, 'empty-root'));
    mkdirSync(join(tmp.dir, 'empty-root'));
    await expectData(loadDataset(mnist, {}), /MNIST: no data found; looked in .*empty-root/);
  });
});
