/**
 * Sparse products for masked dense layers: `y = x · W` where most of `W` is pruned (known zeros),
 * its input gradient `dx = dy · Wᵀ` and its weight gradient `dW = xᵀ · dy` at unpruned positions
 * only. The work shrinks with density; the kernels are WebAssembly SIMD (sparse.c), the batch is
 * the SIMD dimension.
 *
 * @packageDocumentation
 */
import { PruneError } from '@prunekit/core';
import { SPARSE_WASM_BASE64, SPARSE_WASM_SHARED_BASE64 } from './sparse-wasm.generated.js';

/**
 * Where the unpruned weights of a `[rows, cols]` matrix are (`rows` = inputs, `cols` =
 * outputs), indexed both by output column (for the forward product) and by input row (for the
 * input gradient). Build one with {@link SparsePattern.fromMask}; it is immutable.
 *
 * @example
 * ```ts
 * const p = SparsePattern.fromMask(Uint8Array.of(1, 0, 0, 1), 2, 2);
 * p.nnz;       // 2
 * p.density;   // 0.5
 * ```
 */
export class SparsePattern {
  /** By output column `j`: entries `colPtr[j] .. colPtr[j+1]` have input row `colRow[p]`. */
  readonly colPtr: Int32Array;
  /** Input row of each entry, in column order. */
  readonly colRow: Int32Array;
  /** Output column of each entry, in column order. */
  readonly colCol: Int32Array;
  /** Flat index `row * cols + col` of each entry, in column order. */
  readonly colFlat: Int32Array;
  /** By input row `k`: entries `rowPtr[k] .. rowPtr[k+1]` have output column `rowCol[q]`. */
  readonly rowPtr: Int32Array;
  /** Output column of each entry, in row order. */
  readonly rowCol: Int32Array;
  /** Flat index `row * cols + col` of each entry, in row order. */
  readonly rowFlat: Int32Array;

  private constructor(
    /** Rows of the weight matrix (the layer's inputs). */
    readonly rows: number,
    /** Columns of the weight matrix (the layer's outputs). */
    readonly cols: number,
    bits: Uint8Array | ArrayLike<number>,
  ) {
    let nnz = 0;
    for (let i = 0; i < bits.length; i++) if (bits[i]) nnz++;
    this.rowPtr = new Int32Array(rows + 1);
    this.rowCol = new Int32Array(nnz);
    this.rowFlat = new Int32Array(nnz);
    const colCount = new Int32Array(cols);
    let q = 0;
    for (let k = 0; k < rows; k++) {
      this.rowPtr[k] = q;
      const base = k * cols;
      for (let j = 0; j < cols; j++) {
        if (bits[base + j]) {
          this.rowCol[q] = j;
          this.rowFlat[q] = base + j;
          colCount[j]!++;
          q++;
        }
      }
    }
    this.rowPtr[rows] = q;
    this.colPtr = new Int32Array(cols + 1);
    for (let j = 0; j < cols; j++) this.colPtr[j + 1] = this.colPtr[j]! + colCount[j]!;
    this.colRow = new Int32Array(nnz);
    this.colCol = new Int32Array(nnz);
    this.colFlat = new Int32Array(nnz);
    const next = this.colPtr.slice(0, cols);
    for (let k = 0; k < rows; k++) {
      for (let r = this.rowPtr[k]!; r < this.rowPtr[k + 1]!; r++) {
        const j = this.rowCol[r]!;
        const p = next[j]!++;
        this.colRow[p] = k;
        this.colCol[p] = j;
        this.colFlat[p] = k * cols + j;
      }
    }
  }

  /**
   * The pattern of a 0/1 mask of a `[rows, cols]` weight matrix (row-major, as tfjs stores a
   * dense kernel `[in, out]`). Throws `E_MASK` when the length does not match.
   */
  static fromMask(bits: Uint8Array | ArrayLike<number>, rows: number, cols: number): SparsePattern {
    if (
      !Number.isInteger(rows) ||
      !Number.isInteger(cols) ||
      rows < 1 ||
      cols < 1 ||
      bits.length !== rows * cols
    ) {
      throw new PruneError(
        'E_MASK',
        `a sparse pattern of a [${rows}, ${cols}] matrix needs ${rows * cols} mask values, got ${bits.length}`,
        { hint: 'pass the mask of the 2-D weight the pattern is for' },
      );
    }
    return new SparsePattern(rows, cols, bits);
  }

  /** Unpruned entries. */
  get nnz(): number {
    return this.colRow.length;
  }

  /** Fraction of entries kept. */
  get density(): number {
    return this.nnz / (this.rows * this.cols);
  }
}

/** The kernels of sparse.c (byte offsets into the engine's memory). */
interface SparseExports {
  transpose(src: number, lds: number, dst: number, ldd: number, rows: number, cols: number): void;
  zero(p: number, n: number): void;
  spmm(input: number, out: number, bp: number, ptr: number, idx: number, vals: number, nout: number): void;
  sddmm(a: number, c: number, bp: number, rows: number, cols: number, nnz: number, out: number): void;
  gather(src: number, flat: number, n: number, out: number): void;
  scatter(dst: number, size: number, flat: number, vals: number, n: number): void;
  sgd_update(
    w: number,
    g: number,
    b: number,
    mask: number,
    ow: number,
    ob: number,
    n: number,
    lr: number,
    mom: number,
    wd: number,
    flags: number,
  ): void;
  colsum(x: number, rows: number, cols: number, out: number): void;
  mask_mul(w: number, m: number, n: number): void;
  flip_count(a: number, b: number, m: number, n: number, out: number): void;
  __stack_pointer: { value: number };
}

/** The part of the WebAssembly JS API used here (the project's `lib` has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Where an engine's scratch memory comes from. */
export interface Heap {
  readonly memory: WasmMemory;
  /** Whether `memory` is shared (tfjs's threaded build). */
  readonly shared: boolean;
  /** Reserve `bytes` and return the offset (the kernels need no alignment: wasm loads any). */
  malloc(bytes: number): number;
  /** Release these reservations (all made since the last release). */
  release(offsets: readonly number[]): void;
}

/** A memory of the engine's own, with a bump allocator. */
function ownHeap(): Heap {
  const memory = new wasmApi.Memory({ initial: 32 });
  const base = 131072; // above the module's 64 KiB stack
  let top = base;
  return {
    memory,
    shared: false,
    malloc(bytes) {
      const p = top;
      top += Math.ceil(bytes / 16) * 16;
      const need = top - memory.buffer.byteLength;
      if (need > 0) memory.grow(Math.ceil(need / 65536));
      return p;
    },
    release(offsets) {
      // Back to the first released block: anything reserved before it (the engine's stack) stays.
      let first = top;
      for (const p of offsets) first = Math.min(first, p);
      top = first;
    },
  };
}

/**
 * The kernels instantiated over a memory, with call-scoped scratch: every `alloc` of a call is
 * released by the next `begin`.
 *
 * @internal
 */
export class SparseEngine {
  readonly fn: SparseExports;
  readonly #heap: Heap;
  #scratch: number[] = [];

  constructor(heap: Heap) {
    this.#heap = heap;
    const bytes = Uint8Array.from(atob(heap.shared ? SPARSE_WASM_SHARED_BASE64 : SPARSE_WASM_BASE64), (c) =>
      c.charCodeAt(0),
    );
    const instance = new wasmApi.Instance(new wasmApi.Module(bytes), { env: { memory: heap.memory } });
    this.fn = instance.exports as unknown as SparseExports;
    // A stack of its own inside the heap (the kernels are leaf functions; this is a safeguard).
    const stack = heap.malloc(65536);
    this.fn.__stack_pointer.value = stack + 65536;
  }

  /** Start a call: the scratch of the previous call is released. */
  begin(): this {
    if (this.#scratch.length) this.#heap.release(this.#scratch);
    this.#scratch = [];
    return this;
  }

  /** Reserve `n` 32-bit values (16-byte aligned); released by the next {@link SparseEngine.begin}. */
  alloc(n: number): number {
    const p = this.#heap.malloc(Math.max(16, n * 4));
    this.#scratch.push(p);
    return p;
  }

  /** A view of `n` floats at `p` (take it after the last `alloc`: growing detaches views). */
  f32(p: number, n: number): Float32Array {
    return new Float32Array(this.#heap.memory.buffer, p, n);
  }

  /** Copy `a` into scratch and return its offset. */
  put(a: Float32Array | Int32Array): number {
    const p = this.alloc(a.length);
    if (a instanceof Float32Array) this.f32(p, a.length).set(a);
    else new Int32Array(this.#heap.memory.buffer, p, a.length).set(a);
    return p;
  }

  /** A view of `n` bytes at `p` (take it after the last `alloc`: growing detaches views). */
  u8(p: number, n: number): Uint8Array {
    return new Uint8Array(this.#heap.memory.buffer, p, n);
  }

  /** A view of `n` 32-bit integers at `p` (take it after the last `alloc`). */
  i32(p: number, n: number): Int32Array {
    return new Int32Array(this.#heap.memory.buffer, p, n);
  }

  /** The batch rounded up to the kernels' block of 16. */
  static padded(batch: number): number {
    return Math.ceil(batch / 16) * 16;
  }

  /** Row-major `[rows, cols]` at `src` → transposed `[cols, ldd]` scratch, zero-padded to `ldd`. */
  transposed(src: number, rows: number, cols: number, ldd: number): number {
    const dst = this.alloc(cols * ldd);
    this.fn.zero(dst, cols * ldd);
    this.fn.transpose(src, cols, dst, ldd, rows, cols);
    return dst;
  }

  /** `y = x · W'` (`x` `[batch, rows]`, `w` `[rows, cols]`, `y` `[batch, cols]`: offsets). */
  matMul(x: number, batch: number, w: number, p: SparsePattern, y: number): void {
    const bp = SparseEngine.padded(batch);
    const xT = this.transposed(x, batch, p.rows, bp);
    const vals = this.alloc(p.nnz);
    this.fn.gather(w, this.put(p.colFlat), p.nnz, vals);
    const yT = this.alloc(p.cols * bp);
    this.fn.spmm(xT, yT, bp, this.put(p.colPtr), this.put(p.colRow), vals, p.cols);
    this.fn.transpose(yT, bp, y, p.cols, p.cols, batch);
  }

  /** `dx = dy · W'ᵀ` (`dy` `[batch, cols]`, `dx` `[batch, rows]`: offsets). */
  gradInput(dy: number, batch: number, w: number, p: SparsePattern, dx: number): void {
    const bp = SparseEngine.padded(batch);
    const dyT = this.transposed(dy, batch, p.cols, bp);
    const vals = this.alloc(p.nnz);
    this.fn.gather(w, this.put(p.rowFlat), p.nnz, vals);
    const dxT = this.alloc(p.rows * bp);
    this.fn.spmm(dyT, dxT, bp, this.put(p.rowPtr), this.put(p.rowCol), vals, p.rows);
    this.fn.transpose(dxT, bp, dx, p.rows, p.rows, batch);
  }

  /** `dW = (xᵀ · dy)` at the pattern, zero elsewhere (`dw` `[rows, cols]`: offset). */
  gradWeight(x: number, dy: number, batch: number, p: SparsePattern, dw: number): void {
    const bp = SparseEngine.padded(batch);
    const xT = this.transposed(x, batch, p.rows, bp);
    const dyT = this.transposed(dy, batch, p.cols, bp);
    const vals = this.alloc(p.nnz);
    this.fn.sddmm(xT, dyT, bp, this.put(p.colRow), this.put(p.colCol), p.nnz, vals);
    this.fn.scatter(dw, p.rows * p.cols, this.put(p.colFlat), vals, p.nnz);
  }
}

let own: SparseEngine | undefined;

/**
 * The engine over a memory of its own (the cpu backend and the array functions below copy
 * operands in and results out).
 *
 * @internal
 */
export function ownEngine(): SparseEngine {
  own ??= new SparseEngine(ownHeap());
  return own.begin();
}

/** Copy `inputs` into the own engine's memory, run `f`, and return `outSize` floats it wrote at `out`. */
function onOwnMemory(
  outSize: number,
  inputs: Float32Array[],
  f: (e: SparseEngine, ptrs: number[], out: number) => void,
): Float32Array {
  const e = ownEngine();
  try {
    const out = e.alloc(outSize);
    f(
      e,
      inputs.map((a) => e.put(a)),
      out,
    );
    return e.f32(out, outSize).slice();
  } finally {
    e.begin();
  }
}

function check(what: string, got: number, want: number): void {
  if (got !== want) {
    throw new PruneError('E_SHAPE', `sparse matmul: ${what} is ${got}, the pattern needs ${want}`, {
      hint: 'build the SparsePattern from the mask of this weight',
    });
  }
}

/**
 * `y = x · W` for `x` `[batch, rows]` and `W` `[rows, cols]` (row-major, values outside the
 * pattern are ignored: they are treated as zero). Returns `y` `[batch, cols]`.
 *
 * @example
 * ```ts
 * const p = SparsePattern.fromMask(Uint8Array.of(1, 0, 0, 1), 2, 2);
 * sparseMatMul(Float32Array.of(1, 2), 1, Float32Array.of(3, 9, 9, 5), p); // [3, 10]
 * ```
 */
export function sparseMatMul(
  x: Float32Array,
  batch: number,
  w: Float32Array,
  p: SparsePattern,
): Float32Array {
  check('the input width', x.length / batch, p.rows);
  check('the weight size', w.length, p.rows * p.cols);
  return onOwnMemory(batch * p.cols, [x, w], (e, [xp, wp], y) => e.matMul(xp!, batch, wp!, p, y));
}

/**
 * The input gradient `dx = dy · Wᵀ` for `dy` `[batch, cols]`; returns `[batch, rows]`.
 *
 * @example
 * ```ts
 * const p = SparsePattern.fromMask(Uint8Array.of(1, 0, 0, 1), 2, 2);
 * sparseMatMulGradInput(Float32Array.of(1, 1), 1, Float32Array.of(3, 9, 9, 5), p); // [3, 5]
 * ```
 */
export function sparseMatMulGradInput(
  dy: Float32Array,
  batch: number,
  w: Float32Array,
  p: SparsePattern,
): Float32Array {
  check('the gradient width', dy.length / batch, p.cols);
  check('the weight size', w.length, p.rows * p.cols);
  return onOwnMemory(batch * p.rows, [dy, w], (e, [dyp, wp], dx) => e.gradInput(dyp!, batch, wp!, p, dx));
}

/**
 * The weight gradient `dW = xᵀ · dy` at the pattern's entries; every other entry of the
 * returned `[rows, cols]` array is zero (the gradient a masked optimizer would discard).
 *
 * @example
 * ```ts
 * const p = SparsePattern.fromMask(Uint8Array.of(1, 0, 0, 1), 2, 2);
 * sparseMatMulGradWeight(Float32Array.of(1, 2), Float32Array.of(3, 4), 1, p); // [3, 0, 0, 8]
 * ```
 */
export function sparseMatMulGradWeight(
  x: Float32Array,
  dy: Float32Array,
  batch: number,
  p: SparsePattern,
): Float32Array {
  check('the input width', x.length / batch, p.rows);
  check('the gradient width', dy.length / batch, p.cols);
  return onOwnMemory(p.rows * p.cols, [x, dy], (e, [xp, dyp], dw) => e.gradWeight(xp!, dyp!, batch, p, dw));
}
