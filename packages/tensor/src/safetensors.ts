import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { PruneError, sizeOf, writeFileAtomic } from '@prunekit/core';

/** The dtypes prunekit reads and writes. */
export type SafetensorsDtype = 'F32' | 'F64' | 'I32' | 'I64' | 'U8' | 'BOOL';

/** Typed arrays per dtype (I64 is read as float64 values, which covers every count we store). */
export type SafetensorsArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** One tensor of a safetensors file. */
export interface SafetensorsEntry {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: SafetensorsArray;
}

/** A decoded safetensors file: tensors in file order plus the string metadata. */
export interface SafetensorsFile {
  readonly tensors: Map<string, SafetensorsEntry>;
  readonly metadata: Record<string, string>;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1, BOOL: 1 };

/** Largest header prunekit parses (100 MiB), checked before parsing. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Metadata key holding the SHA-256 of the data section, written and checked by prunekit. */
export const CHECKSUM_KEY = 'prunekit.sha256';

/**
 * Encode tensors in the safetensors format (8-byte little-endian header length, JSON header,
 * raw little-endian data), readable by Python's `safetensors`. A SHA-256 of the data section is
 * stored in the metadata under {@link CHECKSUM_KEY}.
 *
 * @example
 * ```ts
 * const bytes = encodeSafetensors(new Map([['w', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]]));
 * ```
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsEntry>,
  metadata: Record<string, string> = {},
): Uint8Array[] {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const hash = createHash('sha256');
  for (const [name, t] of tensors) {
    if (name === '__metadata__')
      throw new PruneError('E_CHECKPOINT', `'__metadata__' cannot be a tensor name`);
    const n = sizeOf(t.shape);
    if (t.data.length !== n) {
      throw new PruneError('E_SHAPE', `tensor '${name}' has ${t.data.length} values for shape [${t.shape}]`);
    }
    const bytes = toLittleEndianBytes(t);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    offset += bytes.byteLength;
    chunks.push(bytes);
    hash.update(bytes);
  }
  header.__metadata__ = { ...metadata, [CHECKSUM_KEY]: hash.digest('hex') };
  let json = JSON.stringify(header);
  // Pad the header with spaces to a multiple of 8 bytes, as the reference implementation does.
  const raw = Buffer.from(json, 'utf8');
  const pad = (8 - (raw.byteLength % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  return [len, headerBytes, ...chunks];
}

/**
 * Decode and validate a safetensors buffer. Every failure is an `E_CHECKPOINT` naming `source`:
 * too short, header length beyond the file or over {@link MAX_HEADER_BYTES}, bad JSON, unknown
 * dtype, offsets that overlap, leave gaps or run past the end, a shape that does not match its
 * byte length, or a checksum that does not match.
 *
 * @example
 * ```ts
 * const { tensors, metadata } = decodeSafetensors(readFileSync('mask.safetensors'), 'mask.safetensors');
 * ```
 */
export function decodeSafetensors(buf: Uint8Array, source = 'safetensors data'): SafetensorsFile {
  const fail = (what: string): never => invalid(source, what);
  if (buf.byteLength < 8) fail(`it has ${buf.byteLength} bytes, fewer than the 8-byte header length`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hl = checkHeaderLength(view.getBigUint64(0, true), source);
  if (8 + hl > buf.byteLength)
    fail(`its header claims ${hl} bytes but the file has only ${buf.byteLength - 8} after the length`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, hl).toString('utf8'));
  } catch (e) {
    fail(`its header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('its header is not a JSON object');
  const h = header as Record<string, unknown>;
  const dataStart = 8 + hl;
  const dataLen = buf.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const rawMeta = h.__metadata__;
  if (rawMeta !== undefined) {
    if (typeof rawMeta !== 'object' || rawMeta === null) fail('__metadata__ is not an object');
    for (const [k, v] of Object.entries(rawMeta as object)) {
      if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
      metadata[k] = v as string;
    }
  }
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] =
    [];
  for (const [name, v] of Object.entries(h)) {
    if (name === '__metadata__') continue;
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(`entry '${name}' is not an object`);
    if (typeof e.dtype !== 'string' || !(e.dtype in BYTES)) {
      fail(
        `tensor '${name}' has dtype ${JSON.stringify(e.dtype)}; prunekit reads ${Object.keys(BYTES).join(', ')}`,
      );
    }
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`tensor '${name}' has a bad shape`);
    const off = e.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => Number.isInteger(d) && d >= 0) ||
      off[0] > off[1]
    ) {
      fail(`tensor '${name}' has bad data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    const dtype = e.dtype as SafetensorsDtype;
    const shape = e.shape as number[];
    if (end > dataLen)
      fail(`tensor '${name}' ends at byte ${end} but the data section has ${dataLen} bytes (truncated?)`);
    if (end - begin !== sizeOf(shape) * BYTES[dtype]) {
      fail(
        `tensor '${name}' spans ${end - begin} bytes but shape [${shape}] of ${dtype} needs ${sizeOf(shape) * BYTES[dtype]}`,
      );
    }
    entries.push({ name, dtype, shape, begin, end });
  }
  // Offsets must tile the data section exactly: no overlap, no gap, nothing after the end.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin !== cursor)
      fail(`tensor '${e.name}' starts at byte ${e.begin}, expected ${cursor} (overlap or gap)`);
    cursor = e.end;
  }
  if (cursor !== dataLen) fail(`the data section has ${dataLen} bytes but the tensors cover ${cursor}`);
  const expected = metadata[CHECKSUM_KEY];
  if (expected !== undefined) {
    const actual = createHash('sha256').update(buf.subarray(dataStart)).digest('hex');
    if (actual !== expected)
      fail('its data does not match the checksum in its header (damaged or half-written)');
  }
  const tensors = new Map<string, SafetensorsEntry>();
  for (const e of entries) {
    tensors.set(e.name, {
      dtype: e.dtype,
      shape: e.shape,
      data: fromLittleEndianBytes(buf, dataStart + e.begin, e),
    });
  }
  return { tensors, metadata };
}

function invalid(source: string, what: string): never {
  throw new PruneError('E_CHECKPOINT', `${source} is not a valid safetensors file: ${what}`, {
    hint: 'the file is damaged (e.g. cut short by a full disk or a copy) or was not written by a safetensors writer: restore it from a good copy, or re-create it (for a run directory: run the recipe again with another --out)',
    where: source,
  });
}

/** The header length as a number, refused when over {@link MAX_HEADER_BYTES} (before anything is allocated for it). */
function checkHeaderLength(headerLen: bigint, source: string): number {
  if (headerLen > BigInt(MAX_HEADER_BYTES))
    invalid(source, `its header claims ${headerLen} bytes (limit ${MAX_HEADER_BYTES})`);
  return Number(headerLen);
}

/**
 * Write a safetensors file atomically (see {@link writeFileAtomic}).
 *
 * @example
 * ```ts
 * saveSafetensors('runs/x/round-1/mask.safetensors', tensors, { kind: 'mask' });
 * ```
 */
export function saveSafetensors(
  path: string,
  tensors: ReadonlyMap<string, SafetensorsEntry>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/**
 * Read and validate a safetensors file. A missing file is an `E_CHECKPOINT` naming the path.
 *
 * @example
 * ```ts
 * const { tensors } = loadSafetensors('runs/x/anchor.safetensors');
 * ```
 */
export function loadSafetensors(path: string): SafetensorsFile {
  let buf: Buffer;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error('not a file');
    // Check the header length before reading the file: a huge or lying length is refused at once.
    if (stat.size >= 8) {
      const head = Buffer.alloc(8);
      const fd = openSync(path, 'r');
      try {
        readSync(fd, head, 0, 8, 0);
      } finally {
        closeSync(fd);
      }
      const hl = checkHeaderLength(head.readBigUInt64LE(0), path);
      if (8 + hl > stat.size)
        invalid(
          path,
          `its header claims ${hl} bytes but the file has only ${stat.size - 8} after the length`,
        );
    }
    buf = readFileSync(path);
  } catch (e) {
    if (e instanceof PruneError) throw e;
    throw new PruneError(
      'E_CHECKPOINT',
      `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      {
        cause: e,
        hint: 'check the path; the file may not have been written yet',
        where: path,
      },
    );
  }
  return decodeSafetensors(buf, path);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function toLittleEndianBytes(t: SafetensorsEntry): Uint8Array {
  if (!LITTLE_ENDIAN) throw new PruneError('E_INTERNAL', 'big-endian hosts are not supported');
  if (t.dtype === 'I64') {
    const out = new BigInt64Array(t.data.length);
    for (let i = 0; i < out.length; i++) out[i] = BigInt(Math.round(Number(t.data[i])));
    return new Uint8Array(out.buffer);
  }
  const Ctor = { F32: Float32Array, F64: Float64Array, I32: Int32Array, U8: Uint8Array, BOOL: Uint8Array }[
    t.dtype
  ];
  const arr = t.data instanceof Ctor ? t.data : Ctor.from(t.data as ArrayLike<number>);
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

function fromLittleEndianBytes(
  buf: Uint8Array,
  start: number,
  e: { dtype: SafetensorsDtype; begin: number; end: number },
): SafetensorsArray {
  // Copy into a fresh buffer: aligned for typed arrays, independent of the file buffer (note that
  // Buffer#slice would return a view into Node's shared pool).
  const bytes = new Uint8Array(e.end - e.begin);
  bytes.set(buf.subarray(start, start + (e.end - e.begin)));
  switch (e.dtype) {
    case 'F32':
      return new Float32Array(bytes.buffer);
    case 'F64':
      return new Float64Array(bytes.buffer);
    case 'I32':
      return new Int32Array(bytes.buffer);
    case 'I64':
      return Float64Array.from(new BigInt64Array(bytes.buffer), (v) => Number(v));
    default:
      return bytes;
  }
}
