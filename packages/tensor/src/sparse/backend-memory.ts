/**
 * Running the kernels of sparse.c on tensors where they are: inside tfjs-backend-wasm's heap
 * (its memory imported by a second instance of our module; scratch from tfjs's own `malloc`),
 * or, on the cpu backend, by copying through a memory of our own.
 *
 * @packageDocumentation
 */
import { sizeOf } from '@prunekit/core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { SparseEngine, type WasmMemory, ownEngine } from './sparse-matmul.js';

/**
 * What tfjs-backend-wasm 4.x exposes of its emscripten module and per-tensor data.
 *
 * @internal
 */
export interface WasmBackend {
  wasm: {
    _malloc(bytes: number): number;
    _free(p: number): void;
    /** The threaded build's (shared) memory. */
    wasmMemory?: WasmMemory;
    /** The single-threaded build's exports, `memory` among them. */
    asm?: { memory?: WasmMemory };
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  refCount(dataId: object): number;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
}

interface HostBackend {
  readSync(dataId: object): unknown;
  write(values: Float32Array, shape: number[], dtype: 'float32'): object;
}

const engines = new WeakMap<object, SparseEngine>();

/**
 * The engine inside a tfjs-backend-wasm heap, or `undefined` for any other backend.
 *
 * @internal
 */
export function heapEngine(backend: unknown): SparseEngine | undefined {
  const b = backend as Partial<WasmBackend>;
  const m = b.wasm;
  if (!m || typeof m._malloc !== 'function' || !b.dataIdMap || typeof b.makeOutput !== 'function')
    return undefined;
  let e = engines.get(m);
  if (!e) {
    const memory = m.wasmMemory ?? m.asm?.memory;
    if (!memory) return undefined;
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    e = new SparseEngine({
      memory,
      shared,
      malloc: (bytes) => m._malloc(bytes) >>> 0,
      release: (offsets) => {
        for (const p of offsets) m._free(p);
      },
    });
    engines.set(m, e);
  }
  return e;
}

/**
 * A kernel's view of its backend: tensors as offsets into the engine's memory. On the wasm
 * backend inputs and outputs are tfjs's own buffers (no copies); elsewhere inputs are copied in
 * and outputs copied out. `run` releases all scratch when it returns.
 *
 * @internal
 */
export class KernelMemory {
  readonly engine: SparseEngine;
  readonly #backend: unknown;
  readonly #inHeap: boolean;
  readonly #made: TensorInfo[] = [];

  private constructor(backend: unknown) {
    this.#backend = backend;
    const e = heapEngine(backend);
    this.#inHeap = e !== undefined;
    this.engine = (e ?? ownEngine()).begin();
  }

  /** Run `f` with the backend's memory; scratch is released after, also on error. */
  static run<T>(backend: unknown, f: (m: KernelMemory) => T): T {
    const m = new KernelMemory(backend);
    try {
      return f(m);
    } catch (e) {
      // Outputs made in tfjs's heap belong to nobody yet: free them with the scratch.
      for (const info of m.#made) (backend as { disposeData(id: object): void }).disposeData(info.dataId);
      throw e;
    } finally {
      m.engine.begin();
    }
  }

  /** The offset of input `t`'s float32 values. */
  input(t: TensorInfo): number {
    if (this.#inHeap) return (this.#backend as WasmBackend).dataIdMap.get(t.dataId)!.memoryOffset;
    return this.engine.put((this.#backend as HostBackend).readSync(t.dataId) as Float32Array);
  }

  /** A new float32 output of `shape`: its offset now, its tensor from {@link KernelMemory.finish}. */
  output(shape: number[]): { p: number; info?: TensorInfo } {
    if (this.#inHeap) {
      const info = (this.#backend as WasmBackend).makeOutput(shape, 'float32');
      this.#made.push(info);
      return { p: (this.#backend as WasmBackend).dataIdMap.get(info.dataId)!.memoryOffset, info };
    }
    return { p: this.engine.alloc(sizeOf(shape)) };
  }

  /** The tensor of an output (on the cpu backend, its values copied out now). */
  finish(o: { p: number; info?: TensorInfo }, shape: number[]): TensorInfo {
    if (o.info) return o.info;
    const values = this.engine.f32(o.p, sizeOf(shape)).slice();
    return {
      dataId: (this.#backend as HostBackend).write(values, shape, 'float32'),
      shape,
      dtype: 'float32',
    };
  }
}
