import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mask } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { loadMask, loadWeights, saveMask, saveWeights } from './checkpoint.js';
import {
  MAX_HEADER_BYTES,
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  saveSafetensors,
  type SafetensorsEntry,
} from './safetensors.js';

const concat = (parts: Uint8Array[]) =>
  Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
const tmp = () => mkdtempSync(join(tmpdir(), 'pk-st-'));

/** Build a raw file from a header object and data bytes, bypassing the encoder. */
function raw(header: unknown, data: number[] = []): Buffer {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.byteLength));
  return Buffer.concat([len, h, Buffer.from(data)]);
}

describe('safetensors', () => {
  it('writes the exact layout: u64 LE header length, padded JSON header, LE data', () => {
    const t = new Map<string, SafetensorsEntry>([
      ['w', { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) }],
    ]);
    const buf = concat(encodeSafetensors(t));
    const hl = Number(buf.readBigUInt64LE(0));
    expect(hl % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + hl).toString('utf8'));
    expect(header.w).toEqual({ dtype: 'F32', shape: [2], data_offsets: [0, 8] });
    expect(header.__metadata__['prunekit.sha256']).toMatch(/^[0-9a-f]{64}$/);
    // 1.0f = 0x3f800000, -2.0f = 0xc0000000, little-endian.
    expect([...buf.subarray(8 + hl)]).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
  });

  it('round-trips every dtype and the metadata', () => {
    const t = new Map<string, SafetensorsEntry>([
      ['a', { dtype: 'F32', shape: [2, 2], data: new Float32Array([1.5, -0, 3, 4]) }],
      ['b', { dtype: 'U8', shape: [3], data: new Uint8Array([0, 1, 255]) }],
      ['c', { dtype: 'I32', shape: [1], data: new Int32Array([-7]) }],
      ['d', { dtype: 'F64', shape: [1], data: new Float64Array([Math.PI]) }],
      ['e', { dtype: 'I64', shape: [2], data: new Float64Array([2 ** 40, -3]) }],
      ['empty', { dtype: 'F32', shape: [0], data: new Float32Array(0) }],
    ]);
    const back = decodeSafetensors(concat(encodeSafetensors(t, { round: '3' })));
    expect(back.metadata.round).toBe('3');
    expect([...back.tensors.keys()]).toEqual(['a', 'b', 'c', 'd', 'e', 'empty']);
    expect([...back.tensors.get('a')!.data]).toEqual([1.5, -0, 3, 4]);
    expect([...back.tensors.get('b')!.data]).toEqual([0, 1, 255]);
    expect([...back.tensors.get('c')!.data]).toEqual([-7]);
    expect(back.tensors.get('d')!.data[0]).toBe(Math.PI);
    expect([...back.tensors.get('e')!.data]).toEqual([2 ** 40, -3]);
  });

  it('reads files from other writers (no checksum) as long as they are consistent', () => {
    const f = raw({ x: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } }, [1, 0]);
    expect([...decodeSafetensors(f).tensors.get('x')!.data]).toEqual([1, 0]);
  });

  const bad: [string, Buffer, RegExp][] = [
    ['too short', Buffer.from([1, 2, 3]), /fewer than the 8-byte header length/],
    [
      'header beyond the file',
      (() => {
        const b = Buffer.alloc(16);
        b.writeBigUInt64LE(100n);
        return b;
      })(),
      /claims 100 bytes/,
    ],
    [
      'oversized header',
      (() => {
        const b = Buffer.alloc(8);
        b.writeBigUInt64LE(BigInt(MAX_HEADER_BYTES) + 1n);
        return b;
      })(),
      /limit/,
    ],
    [
      'not JSON',
      (() => {
        const h = Buffer.from('{nope');
        const l = Buffer.alloc(8);
        l.writeBigUInt64LE(BigInt(h.length));
        return Buffer.concat([l, h]);
      })(),
      /not JSON/,
    ],
    ['unknown dtype', raw({ x: { dtype: 'Q7', shape: [1], data_offsets: [0, 1] } }, [0]), /dtype "Q7"/],
    [
      'offsets past the end (truncated)',
      raw({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, [0, 0, 0, 0]),
      /truncated/,
    ],
    [
      'shape lies about the length',
      raw({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, [0, 0, 0, 0, 0, 0, 0, 0]),
      /needs 12/,
    ],
    [
      'overlapping tensors',
      raw(
        {
          x: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
          y: { dtype: 'U8', shape: [2], data_offsets: [1, 3] },
        },
        [0, 0, 0],
      ),
      /overlap or gap/,
    ],
    ['trailing bytes', raw({ x: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, [0, 9]), /cover 1/],
    ['bad offsets', raw({ x: { dtype: 'U8', shape: [1], data_offsets: [2, 1] } }, [0]), /bad data_offsets/],
  ];
  for (const [what, buf, msg] of bad) {
    it(`rejects a file with ${what}, naming the file`, () => {
      expect(() => decodeSafetensors(buf, 'ck.safetensors')).toThrow(msg);
      expect(() => decodeSafetensors(buf, 'ck.safetensors')).toThrow(
        /^ck.safetensors is not a valid safetensors file/,
      );
    });
  }

  it('detects flipped data bytes through the checksum', () => {
    const t = new Map<string, SafetensorsEntry>([
      ['w', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }],
    ]);
    const buf = concat(encodeSafetensors(t));
    buf[buf.length - 1]! ^= 0xff;
    expect(() => decodeSafetensors(buf, 'w.safetensors')).toThrow(/checksum/);
  });

  it('saves atomically and loads from disk; a missing file names its path', () => {
    const dir = tmp();
    const p = join(dir, 'a.safetensors');
    const t = new Map<string, SafetensorsEntry>([
      ['w', { dtype: 'F32', shape: [1], data: new Float32Array([5]) }],
    ]);
    saveSafetensors(p, t);
    saveSafetensors(p, t); // overwrite
    expect(readdirSync(dir)).toEqual(['a.safetensors']); // no temp files left behind
    expect(loadSafetensors(p).tensors.get('w')!.data[0]).toBe(5);
    expect(() => loadSafetensors(join(dir, 'nope.safetensors'))).toThrow(
      /cannot read .*nope.safetensors \(ENOENT\)/,
    );
  });

  it('saves and loads weights and masks; a mask with a 2 in it is refused', () => {
    const dir = tmp();
    const w = new Map([['fc.weight', { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }]]);
    saveWeights(join(dir, 'w.safetensors'), w, { round: '1' });
    const back = loadWeights(join(dir, 'w.safetensors'));
    expect([...back.weights.get('fc.weight')!.data]).toEqual([1, 2, 3, 4]);
    expect(back.metadata.round).toBe('1');
    const mask = Mask.fromRecord({ 'fc.weight': { shape: [2, 2], data: [1, 0, 0, 1] } });
    saveMask(join(dir, 'm.safetensors'), mask);
    expect(loadMask(join(dir, 'm.safetensors')).equals(mask)).toBe(true);
    expect(() => loadMask(join(dir, 'w.safetensors'))).toThrow(/is F32; masks are U8/);
    writeFileSync(
      join(dir, 'bad.safetensors'),
      raw({ 'fc.weight': { dtype: 'U8', shape: [2], data_offsets: [0, 2] } }, [1, 2]),
    );
    expect(() => loadMask(join(dir, 'bad.safetensors'))).toThrow(
      /bad.safetensors: mask 'fc.weight' holds the value 2/,
    );
    expect(() => loadWeights(join(dir, 'm.safetensors'))).toThrow(/weights must be F32/);
    expect(readFileSync(join(dir, 'w.safetensors')).length).toBeGreaterThan(16);
  });
});
