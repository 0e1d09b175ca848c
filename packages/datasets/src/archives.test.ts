import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isPruneError } from '@prunekit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeArchivePath } from './archive-path.js';
import { crc32 } from './crc32.js';
import { put, tarBytes, tempDir, zipBytes } from './fixtures.testutil.js';
import { extractTarGz, readTar } from './tar.js';
import { extractZip, listZip, zipEntryData } from './zip.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

function expectDownload(fn: () => unknown, pattern: RegExp) {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(isPruneError(err, 'E_DOWNLOAD'), `expected E_DOWNLOAD, got ${String(err)}`).toBe(true);
  expect((err as Error).message).toMatch(pattern);
}

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const big = Buffer.alloc(1500, 'abc');

describe('crc32 and safe paths', () => {
  it('crc32 of the standard check string', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('normalizes archive paths and refuses escapes', () => {
    expect(safeArchivePath('./a//b/', 'x')).toBe('a/b');
    expect(safeArchivePath('./', 'x')).toBe('');
    expectDownload(
      () => safeArchivePath('a/../../b', 'x.tar'),
      /x\.tar: refusing to extract path 'a\/\.\.\/\.\.\/b'/,
    );
    expectDownload(() => safeArchivePath('C:\\win', 'x.zip'), /absolute path/);
  });
});

describe('tar reader', () => {
  const entries = [
    { path: 'top/', dir: true },
    { path: 'top/a.txt', data: 'hello' },
    { path: './top/sub/b.bin', data: big },
    { path: 'top/empty', data: '' },
  ];

  it('lists files and folders with their bytes', () => {
    const got = readTar(tarBytes(entries), 't.tar');
    expect(got.map((e) => [e.path, e.type, e.data.length])).toEqual([
      ['top', 'directory', 0],
      ['top/a.txt', 'file', 5],
      ['top/sub/b.bin', 'file', 1500],
      ['top/empty', 'file', 0],
    ]);
    expect(text(got[1]!.data)).toBe('hello');
    expect(Buffer.from(got[2]!.data).equals(big)).toBe(true);
  });

  it('extracts a .tar.gz', () => {
    const archive = put(tmp.dir, 'a.tar.gz', tarBytes(entries)); // put() gzips .gz names
    expect(extractTarGz(archive, join(tmp.dir, 'out'))).toEqual(['top/a.txt', 'top/sub/b.bin', 'top/empty']);
    expect(readFileSync(join(tmp.dir, 'out/top/a.txt'), 'utf8')).toBe('hello');
    expect(readFileSync(join(tmp.dir, 'out/top/sub/b.bin')).equals(big)).toBe(true);
  });

  it('rejects corrupt headers, truncation, unsafe paths and bad gzip', () => {
    const tar = Buffer.from(tarBytes(entries));
    const corrupt = Buffer.from(tar);
    corrupt[512 + 3] = corrupt[512 + 3]! ^ 0xff; // a name byte of the second header
    expectDownload(() => readTar(corrupt, 'c.tar'), /c\.tar: corrupt tar header at byte 512/);
    expectDownload(
      () => readTar(tar.subarray(0, 512 * 4), 't.tar'),
      /t\.tar: truncated: entry at byte 1536 needs 1500 bytes/,
    );
    expectDownload(
      () => readTar(tarBytes([{ path: '../evil', data: 'x' }]), 'e.tar'),
      /refusing to extract path '\.\.\/evil'/,
    );
    expectDownload(() => readTar(gzipSync(tar), 'g.tar'), /g\.tar: not a tar archive/);
    expectDownload(
      () => readTar(tarBytes([{ path: '/etc/passwd', data: 'x' }]), 'e.tar'),
      /refusing to extract absolute path/,
    );
    const bad = join(tmp.dir, 'bad.tar.gz');
    writeFileSync(bad, Uint8Array.of(0x1f, 0x8b, 8, 0, 0));
    expectDownload(() => extractTarGz(bad, tmp.dir), /bad\.tar\.gz: not a valid gzip file/);
  });
});

describe('zip reader', () => {
  const entries = [
    { path: 'top/', dir: true },
    { path: 'top/a.txt', data: 'hello' },
    { path: 'top/sub/b.bin', data: big },
  ];

  it('lists and inflates deflated and stored entries', () => {
    for (const store of [false, true]) {
      const zip = zipBytes(entries, store);
      const list = listZip(zip, 'z.zip');
      expect(list.map((e) => [e.path, e.type, e.size])).toEqual([
        ['top', 'directory', 0],
        ['top/a.txt', 'file', 5],
        ['top/sub/b.bin', 'file', 1500],
      ]);
      expect(list[2]!.method).toBe(store ? 0 : 8);
      expect(text(zipEntryData(zip, list[1]!, 'z.zip'))).toBe('hello');
      expect(Buffer.from(zipEntryData(zip, list[2]!, 'z.zip')).equals(big)).toBe(true);
    }
  });

  it('extracts to disk', () => {
    const archive = put(tmp.dir, 'z.zip', zipBytes(entries));
    expect(extractZip(archive, join(tmp.dir, 'out'))).toEqual(['top/a.txt', 'top/sub/b.bin']);
    expect(readFileSync(join(tmp.dir, 'out/top/sub/b.bin')).equals(big)).toBe(true);
  });

  it('reads zip64 end-of-central-directory records', () => {
    const zip = Buffer.from(zipBytes(entries));
    const eocd = zip.length - 22;
    const cdSize = zip.readUInt32LE(eocd + 12);
    const cdOffset = zip.readUInt32LE(eocd + 16);
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeBigUInt64LE(3n, 24);
    rec.writeBigUInt64LE(3n, 32);
    rec.writeBigUInt64LE(BigInt(cdSize), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(eocd), 8);
    loc.writeUInt32LE(1, 16);
    const end = Buffer.from(zip.subarray(eocd));
    end.writeUInt16LE(0xffff, 8);
    end.writeUInt16LE(0xffff, 10);
    end.writeUInt32LE(0xffffffff, 12);
    end.writeUInt32LE(0xffffffff, 16);
    const zip64 = Buffer.concat([zip.subarray(0, eocd), rec, loc, end]);
    expect(listZip(zip64, 'z64.zip').map((e) => e.path)).toEqual(['top', 'top/a.txt', 'top/sub/b.bin']);
  });

  it('rejects non-zips, CRC mismatches and unsafe paths', () => {
    expectDownload(
      () => listZip(Buffer.from('definitely not a zip archive'), 'n.zip'),
      /n\.zip: not a zip archive/,
    );
    const zip = Buffer.from(zipBytes([{ path: 'a.txt', data: 'hello' }], true));
    zip[30 + 5] = 'j'.charCodeAt(0); // 'hello' → 'jello' inside the stored data
    expectDownload(
      () => zipEntryData(zip, listZip(zip, 'c.zip')[0]!, 'c.zip'),
      /c\.zip: entry 'a\.txt': CRC-32 mismatch/,
    );
    expectDownload(
      () => listZip(zipBytes([{ path: '../../x', data: 'x' }]), 'e.zip'),
      /leaves the target folder/,
    );
  });
});
