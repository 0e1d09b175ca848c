import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson, writeFileAtomic } from './atomic.js';

describe('canonicalJson', () => {
  it('sorts keys recursively and drops undefined fields', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: undefined, c: 'x' }] })).toBe('{"a":[2,{"c":"x"}],"b":1}');
  });
});

describe('writeFileAtomic', () => {
  it('replaces the whole file and leaves no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pk-atomic-'));
    const p = join(dir, 'x.json');
    writeFileAtomic(p, 'first');
    writeFileAtomic(p, [Buffer.from('sec'), Buffer.from('ond')]);
    expect(readFileSync(p, 'utf8')).toBe('second');
    expect(readdirSync(dir)).toEqual(['x.json']);
  });

  it('creates missing parent directories', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pk-atomic-'));
    writeFileAtomic(join(dir, 'a', 'b', 'x.txt'), 'deep');
    expect(readFileSync(join(dir, 'a', 'b', 'x.txt'), 'utf8')).toBe('deep');
  });

  it('on failure keeps the old file intact and says what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pk-atomic-'));
    writeFileSync(join(dir, 'file'), 'i am a file');
    // The "directory" is a regular file: opening the temp file inside it fails.
    expect(() => writeFileAtomic(join(dir, 'file', 'x.json'), 'data')).toThrow(
      /could not write .*x.json \((ENOTDIR|EEXIST)\); nothing already written was changed/,
    );
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('i am a file');
    expect(readdirSync(dir)).toEqual(['file']);
  });
});
