import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isPruneError } from '@prunekit/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkDataset } from './check-dataset.js';
import { loadDataset } from './dataset-factory.js';
import { downloadFile } from './download.js';
import { fetchDataset } from './fetch-dataset.js';
import {
  cifarRecord,
  concat,
  GREY_JPEG_64,
  idxBytes,
  put,
  RGB_JPEG_64,
  tarBytes,
  tempDir,
  writeIdxFolder,
  zipBytes,
} from './fixtures.testutil.js';
import { mnist } from './mnist.js';
import { cifar10 } from './cifar10.js';
import { DATASET_SOURCES, type DatasetSource } from './sources.js';
import { tinyImagenet } from './tiny-imagenet.js';

// A local HTTP server on 127.0.0.1 (random port) serving what each test puts in `routes`.
type Route = { body: Uint8Array; mode?: 'ok' | 'cut' | 'missing' };
const routes = new Map<string, Route>();
const requests: string[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const route = routes.get(req.url ?? '');
    if (!route || route.mode === 'missing') {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-length': String(route.body.length),
      'content-type': 'application/octet-stream',
    });
    if (route.mode === 'cut') {
      // send half the body, then drop the connection
      res.write(route.body.subarray(0, Math.floor(route.body.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
  routes.clear();
  requests.length = 0;
});
afterEach(() => tmp.cleanup());

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Serve `files` under /<name> and describe them as a source. */
function serve(
  title: string,
  folder: string,
  archive: DatasetSource['archive'],
  files: Record<string, Uint8Array>,
): DatasetSource {
  for (const [file, body] of Object.entries(files)) routes.set(`/${file}`, { body });
  return {
    title,
    folder,
    archive,
    provenance: 'test',
    files: Object.entries(files).map(([file, body]) => ({
      url: `${base}/${file}`,
      file,
      sha256: sha(body),
      bytes: body.length,
    })),
  };
}

/** The four gzipped IDX files of a tiny MNIST-format dataset. */
function idxFiles(): Record<string, Uint8Array> {
  const src = join(tmp.dir, 'src');
  writeIdxFolder(src, { train: 6, test: 4 });
  const out: Record<string, Uint8Array> = {};
  for (const f of readdirSync(src)) out[`${f}.gz`] = gzipSync(readFileSync(join(src, f)));
  return out;
}

async function expectCode(p: Promise<unknown>, code: string, pattern: RegExp) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isPruneError(e), `expected a PruneError, got ${String(e)}`).toBe(true);
  expect((e as { code: string }).code).toBe(code);
  expect((e as Error).message).toMatch(pattern);
}

/** Files whose names look like downloads in progress or staging folders. */
const leftovers = (dir: string) =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.part-|\.extract-/.test(f));

describe('fetchDataset', () => {
  it('downloads plain files into <dir>/<folder>, verifies them, and the loader finds them', async () => {
    const source = serve('MNIST', 'mnist', 'none', idxFiles());
    const dir = join(tmp.dir, 'data');
    const r = await fetchDataset('mnist', { dir, source });
    expect(r.path).toBe(join(dir, 'mnist'));
    expect(r.downloaded).toHaveLength(4);
    expect(r.alreadyPresent).toBe(false);
    const data = await loadDataset(mnist, { dir });
    expect([data.size('train'), data.size('test')]).toEqual([6, 4]);
    expect(leftovers(dir)).toEqual([]);
    // a second fetch finds a valid dataset and downloads nothing
    requests.length = 0;
    expect((await fetchDataset('mnist', { dir, source })).alreadyPresent).toBe(true);
    expect(requests).toEqual([]);
  });

  it('resumes: reuses files with the right checksum, replaces wrong ones', async () => {
    const files = idxFiles();
    const source = serve('MNIST', 'mnist', 'none', files);
    const dir = join(tmp.dir, 'data');
    put(join(dir, 'mnist'), 'bogus.txt', 'x');
    writeFileSync(join(dir, 'mnist', 'train-images-idx3-ubyte.gz'), files['train-images-idx3-ubyte.gz']!);
    writeFileSync(join(dir, 'mnist', 'train-labels-idx1-ubyte.gz'), 'stale');
    const r = await fetchDataset('mnist', { dir, source });
    expect(r.reused.map((p) => p.split('/').pop())).toEqual(['train-images-idx3-ubyte.gz']);
    expect(r.downloaded).toHaveLength(3);
    expect(requests).not.toContain('/train-images-idx3-ubyte.gz');
    expect(
      readFileSync(join(dir, 'mnist', 'train-labels-idx1-ubyte.gz')).equals(
        Buffer.from(files['train-labels-idx1-ubyte.gz']!),
      ),
    ).toBe(true);
  });

  it('fetches from a mirror with baseUrl', async () => {
    const files = idxFiles();
    const source = serve('MNIST', 'mnist', 'none', files);
    const moved = {
      ...source,
      files: source.files.map((f) => ({ ...f, url: 'http://127.0.0.1:9/unreachable' })),
    };
    const r = await fetchDataset('mnist', { dir: tmp.dir, source: moved, baseUrl: `${base}/` });
    expect(r.downloaded).toHaveLength(4);
  });

  it('downloads and extracts a .tar.gz (CIFAR-10 layout) atomically', async () => {
    const rec = (id: number) => cifarRecord([id % 10], (c, p) => id + c + p);
    const tar = tarBytes([
      { path: 'cifar-10-batches-bin/', dir: true },
      ...[1, 2, 3, 4, 5].map((b) => ({
        path: `cifar-10-batches-bin/data_batch_${b}.bin`,
        data: concat([rec(b), rec(b + 10)]),
      })),
      { path: 'cifar-10-batches-bin/test_batch.bin', data: rec(0) },
      { path: 'cifar-10-batches-bin/batches.meta.txt', data: 'airplane\n' },
    ]);
    const source = serve('CIFAR-10', 'cifar-10-batches-bin', 'tar.gz', {
      'cifar-10-binary.tar.gz': gzipSync(tar),
    });
    const r = await fetchDataset('cifar10', { dir: tmp.dir, source });
    expect(r.path).toBe(join(tmp.dir, 'cifar-10-batches-bin'));
    expect(readdirSync(tmp.dir)).toEqual(['cifar-10-batches-bin']); // archive deleted, no staging left
    const data = await loadDataset(cifar10, { dir: tmp.dir });
    expect([data.size('train'), data.size('test')]).toEqual([10, 1]);
  });

  it('downloads and extracts a .zip (Tiny ImageNet layout), keeping the archive on request', async () => {
    const t = 'tiny-imagenet-200';
    const zip = zipBytes([
      { path: `${t}/`, dir: true },
      { path: `${t}/wnids.txt`, data: 'n01\nn02\n' },
      { path: `${t}/train/n01/images/n01_0.JPEG`, data: RGB_JPEG_64.red },
      { path: `${t}/train/n02/images/n02_0.JPEG`, data: GREY_JPEG_64 },
      { path: `${t}/val/val_annotations.txt`, data: 'val_0.JPEG\tn02\t0\t0\t1\t1\n' },
      { path: `${t}/val/images/val_0.JPEG`, data: RGB_JPEG_64.blue },
    ]);
    const source = serve('Tiny ImageNet', t, 'zip', { 'tiny-imagenet-200.zip': zip });
    await fetchDataset('tiny-imagenet', { dir: tmp.dir, source, keepArchive: true });
    expect(readdirSync(tmp.dir).sort()).toEqual([t, 'tiny-imagenet-200.zip']);
    const data = await loadDataset(tinyImagenet, { dir: tmp.dir });
    expect([data.size('train'), data.size('test'), data.outputSize]).toEqual([2, 1, 2]);
  });

  it('refuses an archive without the expected top folder and leaves nothing behind', async () => {
    const source = serve('CIFAR-10', 'cifar-10-batches-bin', 'tar.gz', {
      'cifar-10-binary.tar.gz': gzipSync(tarBytes([{ path: 'other/x.bin', data: 'x' }])),
    });
    await expectCode(
      fetchDataset('cifar10', { dir: tmp.dir, source }),
      'E_DOWNLOAD',
      /does not contain the folder cifar-10-batches-bin\//,
    );
    expect(existsSync(join(tmp.dir, 'cifar-10-batches-bin'))).toBe(false);
    expect(leftovers(tmp.dir)).toEqual([]);
  });

  it('checksum mismatch → E_DOWNLOAD and no file', async () => {
    const body = Buffer.from('tampered bytes');
    routes.set('/t10k-labels-idx1-ubyte.gz', { body });
    const source: DatasetSource = {
      ...DATASET_SOURCES.mnist,
      files: [
        {
          url: `${base}/t10k-labels-idx1-ubyte.gz`,
          file: 't10k-labels-idx1-ubyte.gz',
          sha256: sha(Buffer.from('the real bytes')),
        },
      ],
    };
    await expectCode(
      fetchDataset('mnist', { dir: tmp.dir, source }),
      'E_DOWNLOAD',
      /checksum mismatch: SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}.*not kept/,
    );
    expect(readdirSync(join(tmp.dir, 'mnist'))).toEqual([]);
  });

  it('the known checksums reject a wrong file served from a mirror', async () => {
    for (const f of DATASET_SOURCES['fashion-mnist'].files)
      routes.set(`/${f.file}`, { body: Buffer.from('not fashion-mnist') });
    await expectCode(
      fetchDataset('fashion-mnist', { dir: tmp.dir, baseUrl: base }),
      'E_DOWNLOAD',
      /received 17 bytes, expected 26421880/,
    );
    expect(readdirSync(join(tmp.dir, 'fashion-mnist'))).toEqual([]);
  });

  it('an interrupted transfer (socket closed mid-body) → E_DOWNLOAD and no final or temp file', async () => {
    const body = Buffer.alloc(256 * 1024, 7);
    routes.set('/big.bin', { body, mode: 'cut' });
    const dest = join(tmp.dir, 'big.bin');
    await expectCode(
      downloadFile(`${base}/big.bin`, dest, { sha256: sha(body) }),
      'E_DOWNLOAD',
      /download of http:\/\/127\.0\.0\.1:\d+\/big\.bin failed: the transfer (was interrupted after \d+ bytes|ended after \d+ of 262144 bytes)/,
    );
    expect(readdirSync(tmp.dir)).toEqual([]);
    // and through fetchDataset
    const source = serve('MNIST', 'mnist', 'none', idxFiles());
    routes.set('/train-images-idx3-ubyte.gz', {
      body: routes.get('/train-images-idx3-ubyte.gz')!.body,
      mode: 'cut',
    });
    await expectCode(
      fetchDataset('mnist', { dir: join(tmp.dir, 'd'), source }),
      'E_DOWNLOAD',
      /train-images-idx3-ubyte\.gz failed: the transfer/,
    );
    expect(existsSync(join(tmp.dir, 'd', 'mnist', 'train-images-idx3-ubyte.gz'))).toBe(false);
    expect(leftovers(join(tmp.dir, 'd'))).toEqual([]);
  });

  it('HTTP errors, unreachable hosts and unknown names', async () => {
    await expectCode(downloadFile(`${base}/nope`, join(tmp.dir, 'x')), 'E_DOWNLOAD', /HTTP 404/);
    await expectCode(
      downloadFile('http://127.0.0.1:9/x', join(tmp.dir, 'x')),
      'E_DOWNLOAD',
      /could not connect/,
    );
    expect(readdirSync(tmp.dir)).toEqual([]);
    await expectCode(
      fetchDataset('imagenet' as 'mnist', { dir: tmp.dir }),
      'E_UNKNOWN_NAME',
      /known: mnist, fashion-mnist, cifar10, cifar100, tiny-imagenet/,
    );
  });
});

describe('checkDataset', () => {
  it('reports which datasets a directory holds and whether they validate', async () => {
    writeIdxFolder(join(tmp.dir, 'mnist'), { train: 5, test: 3, gz: true });
    writeIdxFolder(join(tmp.dir, 'fashion-mnist'), { train: 5, test: 3 });
    put(tmp.dir, 'fashion-mnist/t10k-labels-idx1-ubyte', idxBytes(0x801, [3], [0, 1, 12]));
    put(tmp.dir, 'cifar-10-batches-bin/test_batch.bin', cifarRecord([1], () => 0).subarray(0, 3000));
    const report = await checkDataset(tmp.dir);
    expect(report.exists).toBe(true);
    const byName = Object.fromEntries(report.datasets.map((d) => [d.name, d]));
    expect(Object.keys(byName).sort()).toEqual(['cifar10', 'fashion-mnist', 'mnist']);
    expect(byName.mnist).toMatchObject({ ok: true, counts: { train: 5, test: 3 }, problems: [] });
    expect(byName['fashion-mnist']!.ok).toBe(false);
    expect(byName['fashion-mnist']!.problems[0]).toMatch(
      /t10k-labels-idx1-ubyte: label 12 at index 2 is out of range/,
    );
    expect(byName.cifar10!.problems[0]).toMatch(/data_batch_1\.bin: missing/);
  });

  it('recognises a dataset folder given directly, and empty or missing directories', async () => {
    writeIdxFolder(join(tmp.dir, 'fashion-mnist'), { train: 2, test: 2 });
    const direct = await checkDataset(join(tmp.dir, 'fashion-mnist'));
    expect(direct.datasets.map((d) => [d.name, d.ok])).toEqual([['fashion-mnist', true]]);
    writeIdxFolder(join(tmp.dir, 'digits'), { train: 2, test: 2 });
    const unnamed = await checkDataset(join(tmp.dir, 'digits'));
    expect(unnamed.datasets[0]).toMatchObject({
      name: 'mnist',
      ok: true,
      note: expect.stringMatching(/MNIST-format/),
    });
    put(tmp.dir, 'empty/.keep', '');
    const { rmSync } = await import('node:fs');
    rmSync(join(tmp.dir, 'empty', '.keep'));
    expect(await checkDataset(join(tmp.dir, 'empty'))).toEqual({
      dir: join(tmp.dir, 'empty'),
      exists: true,
      empty: true,
      datasets: [],
    });
    expect((await checkDataset(join(tmp.dir, 'none'))).exists).toBe(false);
  });
});
