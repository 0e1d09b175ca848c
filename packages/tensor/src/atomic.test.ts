import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic.js';

describe('writeFileAtomic', () => {
  it('replaces the whole file and leaves no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pk-atomic-'));
    const p = join(dir, 'x.json');
    writeFileAtomic(p, 'first');
    writeFileAtomic(p, [Buffer.from('sec'), Buffer.from('ond')]);
    expect(readFileSync(p, 'utf8')).toBe('second');
    expect(readdirSync(dir)).toEqual(['x.json']);
  });

  it('on failure keeps the old file intact and says what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pk-atomic-'));
    writeFileSync(join(dir, 'file'), 'i am a file');
    // The "directory" is a regular file: opening the temp file inside it fails.
    expect(() => writeFileAtomic(join(dir, 'file', 'x.json'), 'data')).toThrow(
      /could not write .*x.json \(ENOTDIR\); nothing already written was changed/,
    );
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('i am a file');
    expect(readdirSync(dir)).toEqual(['file']);
  });
});
