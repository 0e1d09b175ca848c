/**
 * Test helpers (not exported from the package): temp folders and writers for the exact on-disk
 * formats the loaders read — IDX, CIFAR binary records, JPEG folders, tar and zip archives.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { crc32 } from './crc32.js';

/** A fresh temp folder and a function removing it. */
export function tempDir(prefix = 'prunekit-datasets-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bytes of an IDX file of unsigned bytes with the given magic and dimensions. */
export function idxBytes(magic: number, dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  for (const [i, d] of dims.entries()) header.writeUInt32BE(d, 4 + 4 * i);
  return Buffer.concat([header, Buffer.from(Uint8Array.from(data))]);
}

/** Write bytes to `dir/name` (creating folders), gzipped when the name ends in `.gz`. */
export function put(dir: string, name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  mkdirSync(dirname(p), { recursive: true });
  const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  writeFileSync(p, name.endsWith('.gz') ? gzipSync(b) : b);
  return p;
}

/**
 * Write a small MNIST-format folder: `train` and `test` images of `rows×cols` whose pixel j of
 * example i is `(i * 7 + j) % 256`, labels `i % 10`.
 */
export function writeIdxFolder(
  dir: string,
  options: { train: number; test: number; rows?: number; cols?: number; gz?: boolean },
): void {
  const rows = options.rows ?? 4;
  const cols = options.cols ?? 3;
  const ext = options.gz ? '.gz' : '';
  for (const [prefix, n] of [
    ['train', options.train],
    ['t10k', options.test],
  ] as const) {
    const px = new Uint8Array(n * rows * cols);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < rows * cols; j++) px[i * rows * cols + j] = (i * 7 + j) % 256;
    const labels = Array.from({ length: n }, (_, i) => i % 10);
    put(dir, `${prefix}-images-idx3-ubyte${ext}`, idxBytes(0x803, [n, rows, cols], px));
    put(dir, `${prefix}-labels-idx1-ubyte${ext}`, idxBytes(0x801, [n], labels));
  }
}

/** One CIFAR record: label bytes, then 3072 CHW pixels where channel c, pixel p is `f(c, p)`. */
export function cifarRecord(labels: readonly number[], f: (c: number, p: number) => number): Uint8Array {
  const r = new Uint8Array(labels.length + 3072);
  r.set(labels, 0);
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) r[labels.length + c * 1024 + p] = f(c, p) & 0xff;
  return r;
}

/** Concatenate byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

/**
 * 64×64 constant-colour RGB JPEGs at quality 100 (made with ImageMagick; jpeg-js's encoder takes
 * ~0.5 s per call, too slow for fixtures): red (200, 30, 30), green (30, 200, 30), blue (30, 30, 200).
 */
export const RGB_JPEG_64 = {
  red: Buffer.from(
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/2wBDAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAARCABAAEADAREAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAn/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFgEBAQEAAAAAAAAAAAAAAAAAAAgK/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AkOhdqoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAf/Z',
    'base64',
  ),
  green: Buffer.from(
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/2wBDAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAARCABAAEADAREAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFgEBAQEAAAAAAAAAAAAAAAAAAAkK/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AoIfs44AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD//Z',
    'base64',
  ),
  blue: Buffer.from(
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/2wBDAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAARCABAAEADAREAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAr/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFgEBAQEAAAAAAAAAAAAAAAAAAAcK/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AmHaqEPAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAf/Z',
    'base64',
  ),
};

/** A 32×32 black JPEG (wrong size for Tiny ImageNet). */
export const BLACK_JPEG_32 = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/wAALCAAgACABAREA/8QAFQABAQAAAAAAAAAAAAAAAAAAAAn/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/9oACAEBAAA/AJVAAAAAP//Z',
  'base64',
);

/** A 64×64 greyscale (1-component) JPEG: a vertical black-to-white gradient (ImageMagick). */
export const GREY_JPEG_64 = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/wAALCABAAEABAREA/8QAFgABAQEAAAAAAAAAAAAAAAAAAAcJ/8QAFhAAAwAAAAAAAAAAAAAAAAAAABZi/9oACAEBAAA/AMz1qAtQFqAtQFqAtQFqAtQVdZkLMhZkLMhZkLMhZkLMlWWoC1AWoC1AWoC1AWoC1BVlqAtQFqAtQFqAtQFqAtQVhagLUBagLUBagLUBagLUFVWoC1AWoC1AWoC1AWoC1BVlmQsyFmQsyFmQsyFmQsyVdagLUBagLUBagLUBagLUH//Z',
  'base64',
);

/** A 64×64 CMYK (4-component) JPEG (ImageMagick). */
export const CMYK_JPEG_64 = Buffer.from(
  '/9j/7gAOQWRvYmUAZAAAAAAC/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBETFBUVFQwPFxgWFBgSFBUU/9sAQwEDBAQFBAUJBQUJFA0LDRQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU/8AAFAgAQABABAERAAIRAQMRAQQRAP/EABYAAQEBAAAAAAAAAAAAAAAAAAAICf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAOBAEAAhEDEQQAAD8AiRWpdqmAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA//9k=',
  'base64',
);

/** A tar archive (ustar) of the given files and folders. */
export function tarBytes(
  entries: readonly { path: string; data?: Uint8Array | string; dir?: boolean }[],
): Uint8Array {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = e.dir ? Buffer.alloc(0) : Buffer.from(e.data ?? '');
    const h = Buffer.alloc(512);
    h.write(e.path, 0, 100, 'utf8');
    h.write(e.dir ? '0000755\0' : '0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write(e.dir ? '5' : '0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A zip archive (deflated entries, or stored with `store: true`) of the given files and folders. */
export function zipBytes(
  entries: readonly { path: string; data?: Uint8Array | string; dir?: boolean }[],
  store = false,
): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.dir && !e.path.endsWith('/') ? `${e.path}/` : e.path, 'utf8');
    const data = e.dir ? Buffer.alloc(0) : Buffer.from(e.data ?? '');
    const method = store || e.dir ? 0 : 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
