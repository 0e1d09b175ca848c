import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { canonicalJson, writeFileAtomic } from './atomic.js';
import type { PruneError as PruneErrorType } from './errors.js';

/** Injected failures: `writeSync` / `openSync` throw a Node errno error with this code while set. */
const inject = vi.hoisted(() => ({
  write: undefined as string | undefined,
  open: undefined as string | undefined,
}));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fail = (code: string, syscall: string) =>
    Object.assign(new Error(`${code}: injected, ${syscall}`), { code, syscall });
  return {
    ...fs,
    writeSync: (...a: Parameters<typeof fs.writeSync>) => {
      if (inject.write) throw fail(inject.write, 'write');
      return (fs.writeSync as (...x: unknown[]) => number)(...a);
    },
    openSync: (...a: Parameters<typeof fs.openSync>) => {
      if (inject.open) throw fail(inject.open, 'open');
      return fs.openSync(...a);
    },
  };
});
afterEach(() => {
  inject.write = undefined;
  inject.open = undefined;
});
/** `atomic.js` and `errors.js` loaded after the mock (the test setup already loaded the real ones). */
async function mocked() {
  vi.resetModules();
  return { ...(await import('./atomic.js')), ...(await import('./errors.js')) };
}

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
      /could not write .*x\.json \((ENOTDIR|EEXIST): .*\); files written before are intact\. check that the directory exists/,
    );
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('i am a file');
    expect(readdirSync(dir)).toEqual(['file']);
  });

  it('disk full (ENOSPC): names the file, says the disk is full and how to continue, exit code 1, old file intact', async () => {
    const { writeFileAtomic, PruneError, exitCodeOf } = await mocked();
    const dir = mkdtempSync(join(tmpdir(), 'pk-atomic-'));
    const p = join(dir, 'state.json');
    writeFileAtomic(p, 'old');
    inject.write = 'ENOSPC';
    let err: unknown;
    try {
      writeFileAtomic(p, 'new and longer');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PruneError);
    expect((err as PruneErrorType).code).toBe('E_IO');
    expect((err as PruneErrorType).where).toBe(p);
    expect((err as PruneErrorType).message).toBe(
      `could not write ${p}: the disk is full (ENOSPC); files written before are intact. free some disk space (or choose another --out directory), then run the same command again (a run continues from its last checkpoint)`,
    );
    expect(exitCodeOf(err)).toBe(1);
    expect(readFileSync(p, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['state.json']); // the temp file is gone
  });

  it('unwritable directory (EACCES at open): says so and how to fix it', async () => {
    const { writeFileAtomic } = await mocked();
    const dir = mkdtempSync(join(tmpdir(), 'pk-atomic-'));
    inject.open = 'EACCES';
    expect(() => writeFileAtomic(join(dir, 'x.json'), 'data')).toThrow(
      /could not write .*x\.json: its directory is not writable \(EACCES\); files written before are intact\. fix the directory's permissions/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
