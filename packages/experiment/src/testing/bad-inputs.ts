/**
 * Test helpers for the bad-input catalogue (issue #6): run-directory fingerprints, broken data
 * folders, tampered safetensors files, a download server that hangs up mid-body, and the check
 * every catalogue case ends with. Not part of the package's API.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { exitCodeOf, isPruneError, type PruneErrorCode } from '@prunekit/core';
import { expect } from 'vitest';
import {
  CMYK_JPEG_64,
  RGB_JPEG_64,
  cifarRecord,
  concat,
  idxBytes,
  put,
  writeIdxFolder,
} from '../../../datasets/src/fixtures.testutil.js';
import { RUN_FILES } from '../run-dir.js';
import { TINY } from './fixtures.js';

/** {@link TINY} with one pruning round and no warm-up: a finished run takes well under a second. */
export const ONE_ROUND = {
  ...TINY,
  training: { ...TINY.training, warmup: '0it' },
  pruning: { rounds: 1 },
} as const;

/** SHA-256 of every file under `dir` by relative path (the lock file left out: it comes and goes). */
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f !== RUN_FILES.lock)
        out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** A copy of a finished run directory with `done.json` removed: resuming it reads its checkpoint and last mask. */
export function unfinishedCopy(finished: string, to: string): string {
  cpSync(finished, to, { recursive: true });
  rmSync(join(to, RUN_FILES.done));
  return to;
}

/** The `checkpoint/gen-<n>.model.safetensors` file of a run directory. */
export function checkpointModel(dir: string): string {
  const f = readdirSync(join(dir, 'checkpoint')).find((x) => /^gen-\d+\.model\.safetensors$/.test(x));
  if (!f) throw new Error(`no checkpoint model in ${dir}`);
  return join(dir, 'checkpoint', f);
}

/** Rewrite a safetensors file's JSON header with `edit` (the data section is kept as it is). */
export function editHeader(path: string, edit: (h: Record<string, unknown>) => void): void {
  const buf = readFileSync(path);
  const hl = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + hl).toString('utf8')) as Record<string, unknown>;
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([len, json, buf.subarray(8 + hl)]));
}

/** A safetensors file of the given tensors, written by hand (no checksum), for dtype and value cases. */
export function rawSafetensors(
  tensors: Record<string, { dtype: string; shape: number[]; bytes: Uint8Array }>,
): Buffer {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [k, t] of Object.entries(tensors)) {
    header[k] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.bytes.length] };
    off += t.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...Object.values(tensors).map((t) => Buffer.from(t.bytes))]);
}

/** A file whose 8-byte header length says 2^40 bytes. */
export function hugeHeaderFile(path: string): void {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(2n ** 40n);
  writeFileSync(path, b);
}

/** The broken data folders of the catalogue: each writes one into `dir` and names its dataset and file. */
export const BAD_DATA: readonly {
  readonly item: string;
  readonly dataset: 'mnist' | 'cifar10' | 'tiny-imagenet';
  /** Write the broken folder; returns the path the error must name. */
  readonly write: (dir: string) => string;
  readonly message: RegExp;
}[] = [
  {
    item: 'missing file',
    dataset: 'mnist',
    write: (dir) => {
      writeIdxFolder(dir, { train: 6, test: 4 });
      rmSync(join(dir, 't10k-labels-idx1-ubyte'));
      return 't10k-labels-idx1-ubyte';
    },
    message: /t10k-labels-idx1-ubyte/,
  },
  {
    item: 'truncated IDX file',
    dataset: 'mnist',
    write: (dir) => {
      writeIdxFolder(dir, { train: 6, test: 4 });
      put(dir, 'train-images-idx3-ubyte', idxBytes(0x803, [6, 4, 3], new Uint8Array(40)));
      return 'train-images-idx3-ubyte';
    },
    message: /train-images-idx3-ubyte: .*(byte|length|truncat)/i,
  },
  {
    item: 'wrong magic number',
    dataset: 'mnist',
    write: (dir) => {
      writeIdxFolder(dir, { train: 6, test: 4 });
      put(dir, 'train-labels-idx1-ubyte', idxBytes(0x803, [6], [0, 1, 2, 3, 4, 5]));
      return 'train-labels-idx1-ubyte';
    },
    message: /train-labels-idx1-ubyte: .*magic/,
  },
  {
    item: 'header/length mismatch',
    dataset: 'mnist',
    write: (dir) => {
      writeIdxFolder(dir, { train: 6, test: 4 });
      put(dir, 't10k-images-idx3-ubyte', idxBytes(0x803, [4, 4, 3], new Uint8Array(4 * 12 + 5)));
      return 't10k-images-idx3-ubyte';
    },
    message: /t10k-images-idx3-ubyte: /,
  },
  {
    item: 'labels out of range',
    dataset: 'mnist',
    write: (dir) => {
      writeIdxFolder(dir, { train: 6, test: 4 });
      put(dir, 'train-labels-idx1-ubyte', idxBytes(0x801, [6], [0, 1, 2, 3, 12, 5]));
      return 'train-labels-idx1-ubyte';
    },
    message: /train-labels-idx1-ubyte: .*12/,
  },
  {
    item: 'truncated CIFAR file',
    dataset: 'cifar10',
    write: (dir) => {
      const rec = cifarRecord([3], () => 7);
      const d = join(dir, 'cifar-10-batches-bin');
      for (let b = 1; b <= 5; b++) put(d, `data_batch_${b}.bin`, rec);
      put(d, 'test_batch.bin', concat([rec, rec.subarray(0, 1000)]));
      return 'test_batch.bin';
    },
    message: /test_batch\.bin: /,
  },
  {
    item: 'CIFAR label out of range',
    dataset: 'cifar10',
    write: (dir) => {
      const d = join(dir, 'cifar-10-batches-bin');
      for (let b = 1; b <= 5; b++)
        put(
          d,
          `data_batch_${b}.bin`,
          cifarRecord([b === 2 ? 10 : 1], () => 7),
        );
      put(
        d,
        'test_batch.bin',
        cifarRecord([0], () => 7),
      );
      return 'data_batch_2.bin';
    },
    message: /data_batch_2\.bin: .*10/,
  },
  {
    item: 'corrupt JPEG in Tiny ImageNet',
    dataset: 'tiny-imagenet',
    write: (dir) => {
      const d = writeTiny(dir);
      const good = RGB_JPEG_64.green;
      put(d, 'train/n00000002/images/n00000002_0.JPEG', good.subarray(0, good.length >> 1));
      return 'n00000002_0.JPEG';
    },
    message: /n00000002_0\.JPEG: is a corrupt JPEG/,
  },
  {
    item: 'non-RGB JPEG in Tiny ImageNet',
    dataset: 'tiny-imagenet',
    write: (dir) => {
      const d = writeTiny(dir);
      put(d, 'val/images/val_1.JPEG', CMYK_JPEG_64);
      return 'val_1.JPEG';
    },
    message: /val_1\.JPEG: has 4 colour components \(CMYK\)/,
  },
  {
    item: 'empty directory',
    dataset: 'mnist',
    write: (dir) => dir,
    message: /MNIST: directory .* is empty\. expected train-images-idx3-ubyte/,
  },
];

/** A 2-class Tiny ImageNet folder (2 train images per class, 2 val images); returns its path. */
function writeTiny(dir: string): string {
  const d = join(dir, 'tiny-imagenet-200');
  put(d, 'wnids.txt', 'n00000001\nn00000002\n');
  for (const w of ['n00000001', 'n00000002'])
    for (const i of [0, 1]) put(d, `train/${w}/images/${w}_${i}.JPEG`, RGB_JPEG_64.red);
  put(d, 'val/images/val_0.JPEG', RGB_JPEG_64.blue);
  put(d, 'val/images/val_1.JPEG', RGB_JPEG_64.blue);
  put(
    d,
    'val/val_annotations.txt',
    'val_0.JPEG\tn00000001\t0\t0\t63\t63\nval_1.JPEG\tn00000002\t0\t0\t63\t63\n',
  );
  return d;
}

/**
 * A local HTTP server that announces `length` bytes and hangs up after half of them (an
 * interrupted download). `url` is its base URL; `close()` stops it.
 */
export async function hangUpServer(length = 4096): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(length) });
    res.write(Buffer.alloc(length >> 1, 7), () => res.socket?.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * The end of every catalogue case: a `PruneError` with this code and exit code, one paragraph
 * (no line break) matching every pattern, with a fix (a hint sentence after the problem).
 */
export function expectCatalogueError(
  e: unknown,
  o: { code: PruneErrorCode; exit: 1 | 2; message: readonly RegExp[] },
): void {
  expect(isPruneError(e), `not a PruneError: ${String(e)}`).toBe(true);
  if (!isPruneError(e)) return;
  expect(e.code, e.message).toBe(o.code);
  expect(exitCodeOf(e)).toBe(o.exit);
  expect(e.message).not.toContain('\n');
  for (const m of o.message) expect(e.message).toMatch(m);
  // The fix: a hint on the error or on the error it wraps (a wrapper keeps the hint in its message).
  let hint = '';
  for (let cur: unknown = e; cur && !hint; cur = (cur as Error).cause)
    hint = isPruneError(cur) ? (cur.hint ?? '') : '';
  expect(hint, `no fix in: ${e.message}`).not.toBe('');
  expect(e.message).toContain(hint);
}

/** The rejection of `p` (fails the test when `p` resolves). */
export async function rejection(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but the call succeeded');
}
