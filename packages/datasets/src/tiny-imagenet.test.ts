import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, isPruneError } from '@prunekit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDataset } from './dataset-factory.js';
import { BLACK_JPEG_32, CMYK_JPEG_64, GREY_JPEG_64, put, RGB_JPEG_64, tempDir } from './fixtures.testutil.js';
import { jpegInfo } from './jpeg.js';
import { tinyImagenet } from './tiny-imagenet.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

const WNIDS = ['n00000001', 'n00000002', 'n00000003'];
const COLOURS: [number, number, number][] = [
  [200, 30, 30],
  [30, 200, 30],
  [30, 30, 200],
];
const JPEGS = [RGB_JPEG_64.red, RGB_JPEG_64.green, RGB_JPEG_64.blue];

/** Two training images per class (image 1 of class 0 is greyscale), three validation images. */
function writeTiny(root: string): string {
  const dir = join(root, 'tiny-imagenet-200');
  put(dir, 'wnids.txt', `${WNIDS.join('\n')}\n`);
  WNIDS.forEach((w, k) => {
    for (let i = 0; i < 2; i++) {
      const bytes = k === 0 && i === 1 ? GREY_JPEG_64 : JPEGS[k]!;
      put(dir, `train/${w}/images/${w}_${i}.JPEG`, bytes);
    }
    put(dir, `train/${w}/${w}_boxes.txt`, '');
  });
  put(
    dir,
    'val/val_annotations.txt',
    [
      'val_0.JPEG\tn00000003\t0\t0\t63\t63',
      'val_1.JPEG\tn00000001\t1\t2\t3\t4',
      'val_2.JPEG\tn00000002\t0\t0\t1\t1',
      '',
    ].join('\n'),
  );
  put(dir, 'val/images/val_0.JPEG', JPEGS[2]!);
  put(dir, 'val/images/val_1.JPEG', JPEGS[0]!);
  put(dir, 'val/images/val_2.JPEG', JPEGS[1]!);
  return dir;
}

function all(data: Dataset, split: 'train' | 'test') {
  for (const { x, y } of data.batches(split, {
    batchSize: data.size(split),
    seed: 0,
    shuffle: false,
    augment: false,
  })) {
    const out = { x: x.dataSync(), y: Array.from(y.dataSync()), shape: x.shape };
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

describe('tiny-imagenet on an exact-format folder', () => {
  it('decodes train (interleaved by class) and the labelled val split as test', async () => {
    writeTiny(tmp.dir);
    const data = await loadDataset(tinyImagenet, { dir: tmp.dir, normalize: 'none' });
    expect(data.inputShape).toEqual([64, 64, 3]);
    expect(data.outputSize).toBe(3);
    const train = all(data, 'train');
    expect(train.shape).toEqual([6, 64, 64, 3]);
    expect(train.y).toEqual([0, 1, 2, 0, 1, 2]);
    const test = all(data, 'test');
    expect(test.y).toEqual([2, 0, 1]);
    // a constant-colour JPEG at quality 100 decodes to within 3/255 of its colour (YCbCr rounding)
    const px = 64 * 64 * 3;
    for (const [k, colour] of [
      [0, COLOURS[2]!],
      [1, COLOURS[0]!],
      [2, COLOURS[1]!],
    ] as const) {
      for (const at of [0, 1, 2, 3 * 100 + 1, px - 1])
        expect(Math.abs(test.x[k * px + at]! * 255 - colour[at % 3]!)).toBeLessThanOrEqual(3);
    }
  });

  it('expands greyscale JPEGs to RGB', async () => {
    expect(jpegInfo(GREY_JPEG_64)).toEqual({ width: 64, height: 64, components: 1 });
    writeTiny(tmp.dir);
    const data = await loadDataset(tinyImagenet, {
      dir: join(tmp.dir, 'tiny-imagenet-200'),
      normalize: 'none',
    });
    const train = all(data, 'train');
    const px = 64 * 64 * 3;
    const grey = train.x.subarray(3 * px, 4 * px); // example 3 = class 0, image 1
    let unequal = 0;
    for (let i = 0; i < 64 * 64; i++)
      if (grey[3 * i + 1] !== grey[3 * i] || grey[3 * i + 2] !== grey[3 * i]) unequal++;
    expect(unequal).toBe(0);
    // the gradient runs from black at the top to white at the bottom
    expect(grey[0]!).toBeLessThan(0.1);
    expect(grey[3 * 64 * 63]!).toBeGreaterThan(0.9);
  });

  it('limit keeps classes balanced', async () => {
    writeTiny(tmp.dir);
    const data = await loadDataset(tinyImagenet, { dir: tmp.dir, limit: 4 });
    expect(all(data, 'train').y).toEqual([0, 1, 2, 0]);
    expect(data.size('test')).toBe(3);
  });
});

describe('tiny-imagenet failure modes (E_DATA naming the file)', () => {
  const load = () => loadDataset(tinyImagenet, { dir: tmp.dir });

  it('corrupt, truncated and non-JPEG files', async () => {
    const dir = writeTiny(tmp.dir);
    const good = RGB_JPEG_64.green;
    put(dir, 'train/n00000002/images/n00000002_1.JPEG', good.subarray(0, Math.floor(good.length / 2)));
    await expectData(load(), /n00000002_1\.JPEG: is a corrupt JPEG/);
    put(dir, 'train/n00000002/images/n00000002_1.JPEG', 'not an image');
    await expectData(load(), /n00000002_1\.JPEG: is not a JPEG file/);
  });

  it('non-RGB (CMYK) and wrongly sized JPEGs', async () => {
    const dir = writeTiny(tmp.dir);
    put(dir, 'val/images/val_1.JPEG', CMYK_JPEG_64);
    await expectData(
      load(),
      /val_1\.JPEG: has 4 colour components \(CMYK\); expected an RGB \(3\) or greyscale \(1\) JPEG/,
    );
    put(dir, 'val/images/val_1.JPEG', BLACK_JPEG_32);
    await expectData(load(), /val_1\.JPEG: is 32×32; expected 64×64/);
  });

  it('wnids.txt empty or with duplicates; missing class folder', async () => {
    const dir = writeTiny(tmp.dir);
    writeFileSync(join(dir, 'wnids.txt'), '\n');
    await expectData(load(), /wnids\.txt: is empty/);
    writeFileSync(join(dir, 'wnids.txt'), 'n00000001\nn00000002\nn00000001\n');
    await expectData(load(), /wnids\.txt: class id n00000001 appears twice \(lines 1 and 3\)/);
    writeFileSync(join(dir, 'wnids.txt'), `${WNIDS.join('\n')}\nn00000004\n`);
    await expectData(
      load(),
      /train\/n00000004\/images: missing: no training images folder for class n00000004/,
    );
  });

  it('validation annotations naming unknown classes or missing images', async () => {
    const dir = writeTiny(tmp.dir);
    put(dir, 'val/val_annotations.txt', 'val_0.JPEG\tn00000003\nval_1.JPEG\tn09999999\n');
    await expectData(load(), /val_annotations\.txt: line 2: class n09999999 is not in .*wnids\.txt/);
    put(dir, 'val/val_annotations.txt', 'val_0.JPEG\tn00000003\nval_9.JPEG\tn00000001\n');
    await expectData(load(), /val_9\.JPEG: missing \(listed on line 2 of .*val_annotations\.txt\)/);
    rmSync(join(dir, 'val', 'val_annotations.txt'));
    await expectData(load(), /val_annotations\.txt: missing/);
  });

  it('a folder without wnids.txt is not Tiny ImageNet', async () => {
    const dir = writeTiny(tmp.dir);
    rmSync(join(dir, 'wnids.txt'));
    await expectData(load(), /no Tiny ImageNet files in/);
  });
});
