/**
 * Test-only preload: fault injection for the crash-safety suite. Loaded into a CLI child process
 * with an extra `--import` (see `prunekit(…, { faults })` in `cli-process.ts`); production code has
 * no hooks. It patches `node:fs` (then `syncBuiltinESMExports()`, so ESM named imports see the
 * patches) and `process.stdout.write`, and counts, in order, what the process does to files under
 * `$PRUNEKIT_FAULT_DIR` (default: the working directory) and which `--json` events it prints:
 *
 * - `open`   — `openSync` with a writing flag;
 * - `write`  — `writeSync` on such a file, `writeFileSync`, `appendFileSync`;
 * - `fsync`  — `fsyncSync` of a file or directory opened there;
 * - `rename` — `renameSync` onto a path there;
 * - `event`  — a `--json` event line on stdout (by its `type`).
 *
 * `$PRUNEKIT_FAULT` says what to do (`n` counts from 1, per operation kind or event type):
 *
 * - `count` — nothing; with `$PRUNEKIT_FAULT_TRACE=<file>` the ordered trace is written there at exit;
 * - `kill:write:<n>:<fraction>` — SIGKILL inside the n-th write, after writing `⌊fraction·bytes⌋` of its bytes;
 * - `kill:fsync:<n>` / `kill:rename:<n>` / `kill:open:<n>` — SIGKILL just before that call;
 * - `kill:event:<type>:<n>` — SIGKILL right after printing the n-th event of that type;
 * - `fail:<open|write|fsync|rename>:<n>:<CODE>` — that call and every later one of its kind throws
 *   a Node errno error (`ENOSPC`: the disk stays full; `EACCES`/`EROFS`: the directory stays unwritable).
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { constants } from 'node:os';
import { relative, resolve } from 'node:path';

/** A file operation or printed event the preload counts. */
export type FaultOp = 'open' | 'write' | 'fsync' | 'rename' | 'event';

/** One entry of the trace: the operation, the file (relative to the fault directory) or the event type. */
export interface TraceEntry {
  readonly op: FaultOp;
  /** 1-based count of this op (of this event type for events). */
  readonly n: number;
  readonly path?: string;
  /** Bytes of a write. */
  readonly bytes?: number;
  /** Event type. */
  readonly type?: string;
}

/** A parsed `$PRUNEKIT_FAULT`. */
export type Fault =
  | { readonly action: 'count' }
  | {
      readonly action: 'kill';
      readonly op: FaultOp;
      readonly n: number;
      readonly fraction: number;
      readonly type?: string;
    }
  | {
      readonly action: 'fail';
      readonly op: Exclude<FaultOp, 'event'>;
      readonly n: number;
      readonly code: string;
    };

/**
 * Parse a `$PRUNEKIT_FAULT` spec (see the module comment); throws on a malformed one.
 *
 * @example
 * ```ts
 * parseFault('kill:write:12:0.5'); // { action: 'kill', op: 'write', n: 12, fraction: 0.5 }
 * ```
 */
export function parseFault(spec: string): Fault {
  const [action, op, a, b] = spec.split(':');
  const bad = () =>
    new Error(`PRUNEKIT_FAULT='${spec}' is not a fault spec (see apps/cli/src/testing/faults.ts)`);
  const count = (s: string | undefined) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw bad();
    return n;
  };
  if (action === 'count') return { action: 'count' };
  if (action === 'kill') {
    if (op === 'event' && a) return { action: 'kill', op, type: a, n: count(b), fraction: 0 };
    if (op === 'write') {
      const fraction = b === undefined ? 0.5 : Number(b);
      if (!(fraction >= 0 && fraction < 1)) throw bad();
      return { action: 'kill', op, n: count(a), fraction };
    }
    if (op === 'open' || op === 'fsync' || op === 'rename')
      return { action: 'kill', op, n: count(a), fraction: 0 };
  }
  if (action === 'fail' && (op === 'open' || op === 'write' || op === 'fsync' || op === 'rename') && b) {
    if (!(b in constants.errno)) throw bad();
    return { action: 'fail', op, n: count(a), code: b };
  }
  throw bad();
}

/** SIGKILL this process now (a real crash: no handlers, no flushing). */
function die(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is on its way; make sure not one more instruction of the program runs.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
}

function errnoError(code: string, syscall: string, path: string | undefined): NodeJS.ErrnoException {
  const text: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EACCES: 'permission denied',
    EROFS: 'read-only file system',
    EIO: 'i/o error',
  };
  const e = new Error(
    `${code}: ${text[code] ?? 'injected failure'}, ${syscall}${path ? ` '${path}'` : ''}`,
  ) as NodeJS.ErrnoException;
  e.code = code;
  e.errno = -((constants.errno as Record<string, number>)[code] ?? 5);
  e.syscall = syscall;
  if (path) e.path = path;
  return e;
}

function install(fault: Fault, root: string, tracePath: string | undefined): void {
  const orig = {
    openSync: fs.openSync,
    closeSync: fs.closeSync,
    writeSync: fs.writeSync,
    writeFileSync: fs.writeFileSync,
    appendFileSync: fs.appendFileSync,
    fsyncSync: fs.fsyncSync,
    renameSync: fs.renameSync,
  };
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const trace: TraceEntry[] = [];
  const counts = new Map<string, number>();
  const fds = new Map<number, string>();
  const inside = (p: fs.PathLike | number): string | undefined => {
    if (typeof p === 'number') return undefined;
    const rel = relative(root, resolve(String(p)));
    return rel.startsWith('..') || resolve(rel) === rel ? undefined : rel;
  };
  /** Count one operation; kill or fail if it is the one. Returns the kill fraction for writes. */
  const hit = (op: FaultOp, path: string, bytes?: number, type?: string): number | undefined => {
    const key = op === 'event' ? `event:${type}` : op;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    trace.push({
      op,
      n,
      ...(op === 'event' ? { type: type! } : { path }),
      ...(bytes === undefined ? {} : { bytes }),
    });
    if (fault.action === 'fail' && fault.op === op && n >= fault.n) throw errnoError(fault.code, op, path);
    if (
      fault.action === 'kill' &&
      fault.op === op &&
      fault.n === n &&
      (op !== 'event' || type === fault.type)
    )
      return op === 'write' ? fault.fraction : op === 'event' ? 0 : die();
    return undefined;
  };
  const writing = (flags: fs.OpenMode | undefined) =>
    typeof flags === 'number'
      ? (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0
      : typeof flags === 'string' && /[wa+]/.test(flags);

  const patched = {
    openSync(path: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode | null): number {
      const rel = inside(path);
      if (rel !== undefined && writing(flags)) hit('open', rel);
      const fd = orig.openSync(path, flags ?? 'r', mode);
      if (rel !== undefined) fds.set(fd, rel);
      return fd;
    },
    closeSync(fd: number): void {
      fds.delete(fd);
      orig.closeSync(fd);
    },
    writeSync(fd: number, buffer: unknown, ...rest: unknown[]): number {
      const rel = fds.get(fd);
      if (rel === undefined) return (orig.writeSync as (...a: unknown[]) => number)(fd, buffer, ...rest);
      const bytes = ArrayBuffer.isView(buffer)
        ? typeof rest[1] === 'number'
          ? rest[1]
          : buffer.byteLength - (typeof rest[0] === 'number' ? rest[0] : 0)
        : Buffer.byteLength(String(buffer));
      const fraction = hit('write', rel, bytes);
      if (fraction !== undefined) {
        const offset = ArrayBuffer.isView(buffer) && typeof rest[0] === 'number' ? rest[0] : 0;
        const view = ArrayBuffer.isView(buffer)
          ? Buffer.from(buffer.buffer, buffer.byteOffset + offset, bytes)
          : Buffer.from(String(buffer));
        const part = Math.floor(fraction * bytes);
        if (part > 0) orig.writeSync(fd, view, 0, part);
        die();
      }
      return (orig.writeSync as (...a: unknown[]) => number)(fd, buffer, ...rest);
    },
    writeFileSync(
      file: fs.PathOrFileDescriptor,
      data: string | NodeJS.ArrayBufferView,
      options?: unknown,
    ): void {
      const rel = typeof file === 'number' ? fds.get(file) : inside(file);
      if (rel !== undefined) {
        const buf =
          typeof data === 'string'
            ? Buffer.from(data)
            : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        const fraction = hit('write', rel, buf.byteLength);
        if (fraction !== undefined) {
          orig.writeFileSync(file, buf.subarray(0, Math.floor(fraction * buf.byteLength)));
          die();
        }
      }
      (orig.writeFileSync as (...a: unknown[]) => void)(file, data, options);
    },
    appendFileSync(file: fs.PathOrFileDescriptor, data: string | Uint8Array, options?: unknown): void {
      const rel = typeof file === 'number' ? fds.get(file) : inside(file);
      if (rel !== undefined) {
        const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
        const fraction = hit('write', rel, buf.byteLength);
        if (fraction !== undefined) {
          orig.appendFileSync(file, buf.subarray(0, Math.floor(fraction * buf.byteLength)));
          die();
        }
      }
      (orig.appendFileSync as (...a: unknown[]) => void)(file, data, options);
    },
    fsyncSync(fd: number): void {
      const rel = fds.get(fd);
      if (rel !== undefined) hit('fsync', rel);
      orig.fsyncSync(fd);
    },
    renameSync(from: fs.PathLike, to: fs.PathLike): void {
      const rel = inside(to);
      if (rel !== undefined) hit('rename', rel);
      orig.renameSync(from, to);
    },
  };
  Object.assign(fs, patched);
  syncBuiltinESMExports();

  // `--json` events: one JSON object per line on stdout.
  let pending = '';
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const ok = (stdoutWrite as (...a: unknown[]) => boolean)(chunk, ...rest);
    pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const type = /^\{"type":"([^"]+)"/.exec(line)?.[1];
      if (type && hit('event', '', undefined, type) !== undefined) die();
    }
    return ok;
  }) as typeof process.stdout.write;

  if (tracePath) {
    process.on('exit', () => {
      orig.writeFileSync(tracePath, `${JSON.stringify(trace)}\n`);
    });
  }
}

const spec = process.env.PRUNEKIT_FAULT;
if (spec) {
  install(
    parseFault(spec),
    resolve(process.env.PRUNEKIT_FAULT_DIR ?? process.cwd()),
    process.env.PRUNEKIT_FAULT_TRACE,
  );
}
