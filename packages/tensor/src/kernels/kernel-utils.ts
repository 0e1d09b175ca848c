/**
 * Shared helpers for the wasm training kernels in this folder.
 *
 * Every kernel here is a *composite* kernel: it never touches raw memory, it
 * calls the wasm backend's own registered kernels (Conv2D, Transpose, Slice,
 * Reverse, ...) directly through the kernel registry, exactly like the wasm
 * backend composes its own kernels internally. Intermediate results are plain
 * `TensorInfo`s owned by the backend (not engine tensors), so they are freed
 * with `backend.disposeData` and never appear in `tf.memory().numTensors`.
 *
 * @packageDocumentation
 */
import { backend_util, getKernel } from '@tensorflow/tfjs-core';
import type {
  DataType,
  KernelBackend,
  KernelConfig,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';

/**
 * Name of the backend every kernel in this folder is registered for.
 *
 * @example
 * ```ts
 * tf.getKernel('Conv2DBackpropFilter', WASM); // our config, once registered
 * ```
 */
export const WASM = 'wasm';

/**
 * Explicit NHWC padding as accepted by `computeConv2DInfo` and the Conv2D kernels.
 *
 * @example
 * ```ts
 * const pad: Pads4 = [[0, 0], [1, 2], [1, 2], [0, 0]]; // top 1, bottom 2, left 1, right 2
 * ```
 */
export type Pads4 = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Runs backend kernels and remembers every intermediate `TensorInfo`, so
 * that all of them can be released at once (also on error).
 *
 * @example
 * ```ts
 * const s = new KernelScope(backend);
 * try {
 *   const t = s.run('Transpose', { x }, { perm: [3, 1, 2, 0] });
 *   const out = s.run('Conv2D', { x: t, filter }, attrs);
 *   return s.keep(out); // everything else is disposed in finally
 * } finally {
 *   s.dispose();
 * }
 * ```
 */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string = WASM,
  ) {}

  /** Calls the registered `kernelName` for this backend; the result is tracked. */
  run(kernelName: string, inputs: NamedTensorInfoMap | TensorInfo[], attrs: NamedAttrMap = {}): TensorInfo {
    const config = getKernel(kernelName, this.backendName) as KernelConfig | undefined;
    if (config === undefined) {
      throw new Error(`Kernel '${kernelName}' is not registered for backend '${this.backendName}'.`);
    }
    const out = config.kernelFunc({
      // Concat/AddN receive an array in place of a map, as in the engine.
      inputs: inputs as NamedTensorInfoMap,
      backend: this.backend,
      attrs,
    });
    if (Array.isArray(out)) {
      throw new Error(`Kernel '${kernelName}' returned several outputs; expected one.`);
    }
    this.temps.push(out);
    return out;
  }

  /** Reshape (shares data; reference counted by the backend). */
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** Transpose, skipped when `perm` is the identity. */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    if (perm.every((p, i) => p === i)) return x;
    return this.run('Transpose', { x }, { perm });
  }

  /**
   * Slice, skipped when it would return all of `x`.
   *
   * The wasm backend's own `Slice` kernel first copies the *whole* input out
   * of the wasm heap (`readSync`), which dominates the cost of cropping large
   * activations; when the backend exposes its heap (`makeOutput` +
   * `typedArrayFromHeap`, as `BackendWasm` does) the slice is instead copied
   * heap-to-heap in contiguous runs.
   */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    if (!hasWasmHeap(this.backend) || x.dtype === 'string' || x.dtype === 'complex64') {
      return this.run('Slice', { x }, { begin, size });
    }
    const out = this.backend.makeOutput(size, x.dtype);
    this.temps.push(out);
    // Views are taken after makeOutput: allocating may grow (and detach) the heap.
    const src = this.backend.typedArrayFromHeap(x);
    const dst = this.backend.typedArrayFromHeap(out);
    copySlice(src, x.shape, begin, size, dst);
    return out;
  }

  /** A new tensor of the given shape filled with `value`. */
  fill(shape: number[], value: number, dtype: DataType = 'float32'): TensorInfo {
    return this.run('Fill', {}, { shape, value, dtype });
  }

  /** Stops tracking `t` (it becomes the caller's result) and returns it. */
  keep(t: TensorInfo): TensorInfo {
    const i = this.temps.lastIndexOf(t);
    if (i >= 0) {
      this.temps.splice(i, 1);
      return t;
    }
    // `t` is not ours (for example an input passed through unchanged): return
    // a new reference to the same data, as the Reshape kernel does.
    return this.backendReshape(t);
  }

  /** Releases every tracked intermediate. */
  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }

  private backendReshape(t: TensorInfo): TensorInfo {
    const out = this.run('Reshape', { x: t }, { shape: [...t.shape] });
    this.temps.pop();
    return out;
  }
}

/** The part of `BackendWasm`'s API used for heap-to-heap copies. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function hasWasmHeap(b: KernelBackend): b is KernelBackend & WasmHeapBackend {
  const c = b as Partial<WasmHeapBackend>;
  return typeof c.makeOutput === 'function' && typeof c.typedArrayFromHeap === 'function';
}

/**
 * Copies the box `begin`/`size` of a row-major array of shape `shape` into
 * `dst`, one contiguous run at a time (the trailing dimensions that are taken
 * whole are merged into the run).
 *
 * @example
 * ```ts
 * const src = Float32Array.from({ length: 12 }, (_, i) => i); // shape [3, 4]
 * const dst = new Float32Array(4);
 * copySlice(src, [3, 4], [1, 1], [2, 2], dst); // dst = [5, 6, 9, 10]
 * ```
 */
export function copySlice<T extends Float32Array | Int32Array | Uint8Array>(
  src: T,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: T,
): void {
  const rank = shape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = (strides[d + 1] ?? 1) * (shape[d + 1] ?? 1);
  // Find the first dimension from which on the box is one contiguous run.
  let inner = rank;
  while (inner > 0 && (inner === rank || (begin[inner] === 0 && size[inner] === shape[inner]))) inner--;
  // dims [inner, rank) are contiguous; the run covers size[inner] * stride[inner] elements
  const run = (size[inner] ?? 1) * (strides[inner] ?? 1);
  let srcBase = 0;
  for (let d = 0; d < rank; d++) srcBase += (begin[d] ?? 0) * (strides[d] ?? 1);
  const outer = size.slice(0, inner);
  const count = outer.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(inner).fill(0);
  let o = 0;
  for (let k = 0; k < count; k++) {
    let off = srcBase;
    for (let d = 0; d < inner; d++) off += (idx[d] ?? 0) * (strides[d] ?? 1);
    dst.set(src.subarray(off, off + run), o);
    o += run;
    for (let d = inner - 1; d >= 0; d--) {
      const next = (idx[d] ?? 0) + 1;
      if (next < (outer[d] ?? 1)) {
        idx[d] = next;
        break;
      }
      idx[d] = 0;
    }
  }
}

/**
 * How one spatial axis of a "valid" forward convolution must be padded or
 * cropped so that it produces exactly `outLen` outputs.
 *
 * `before`/`after` are the (possibly negative) numbers of zeros to add in
 * front of / behind the `inLen` input elements; negative values mean that
 * elements have to be cropped instead.
 */
export interface AxisWindow {
  /** First input element kept (> 0 when `before` was negative). */
  cropBegin: number;
  /** Number of input elements kept. */
  cropSize: number;
  /** Zeros added in front (>= 0). */
  padBefore: number;
  /** Zeros added behind (>= 0). */
  padAfter: number;
}

/**
 * Splits signed paddings into a crop of the input plus non-negative padding.
 *
 * @example
 * ```ts
 * axisWindow(10, 1, -1); // { cropBegin: 0, cropSize: 9, padBefore: 1, padAfter: 0 }
 * ```
 */
export function axisWindow(inLen: number, before: number, after: number): AxisWindow {
  const cropBegin = Math.max(0, -before);
  const cropEnd = inLen - Math.max(0, -after);
  return {
    cropBegin,
    cropSize: Math.max(0, cropEnd - cropBegin),
    padBefore: Math.max(0, before),
    padAfter: Math.max(0, after),
  };
}

/**
 * Crops `x` (NHWC) along H and W as described by the two windows and returns
 * the explicit padding to hand to the Conv2D kernel.
 *
 * @example
 * ```ts
 * const { x: xc, pad } = cropForConv(s, x, axisWindow(h, 1, -1), axisWindow(w, 1, 1));
 * s.run('Conv2D', { x: xc, filter }, { strides: [1, 1], dilations: [1, 1], pad, dataFormat: 'NHWC' });
 * ```
 */
export function cropForConv(
  s: KernelScope,
  x: TensorInfo,
  rows: AxisWindow,
  cols: AxisWindow,
): { x: TensorInfo; pad: Pads4 } {
  const [n = 0, , , c = 0] = x.shape;
  const cropped = s.slice(x, [0, rows.cropBegin, cols.cropBegin, 0], [n, rows.cropSize, cols.cropSize, c]);
  return {
    x: cropped,
    pad: [
      [0, 0],
      [rows.padBefore, rows.padAfter],
      [cols.padBefore, cols.padAfter],
      [0, 0],
    ],
  };
}

/**
 * Normalises a `number | [number, number]` attribute.
 *
 * @example
 * ```ts
 * pair(2); // [2, 2]
 * pair(undefined); // [1, 1]
 * ```
 */
export function pair(v: number | [number, number] | undefined, dflt = 1): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * Throws a uniform error when a non-NHWC layout is requested.
 *
 * @example
 * ```ts
 * assertNHWC('Conv2DBackpropFilter', attrs.dataFormat); // throws for 'NCHW'
 * ```
 */
export function assertNHWC(kernelName: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(
      `${kernelName} (wasm training kernels): only dataFormat 'NHWC' is supported, got '${dataFormat}'.`,
    );
  }
}

/**
 * `[d0, d1, d2, d3]` of a rank-4 shape, with a clear error otherwise.
 *
 * @example
 * ```ts
 * const [n, h, w, c] = shape4(x.shape, 'Conv2DBackpropFilter: x');
 * ```
 */
export function shape4(shape: readonly number[], what: string): [number, number, number, number] {
  const [a, b, c, d] = shape;
  if (shape.length !== 4 || a === undefined || b === undefined || c === undefined || d === undefined) {
    throw new Error(`${what} must be rank 4, got shape [${shape.join(', ')}].`);
  }
  return [a, b, c, d];
}

/**
 * One output phase `p` (0 ≤ p < stride) along one spatial axis of an input
 * gradient: the elements `dx[p], dx[p+s], dx[p+2s], ...`.
 */
export interface PhaseAxis {
  /** Number of filter taps that touch this phase (0 → the phase is all zeros). */
  taps: number;
  /** Index, in the spatially flipped filter, of the first tap of this phase. */
  filterBegin: number;
  /** Crop / padding of `dy` along this axis for the phase convolution. */
  window: AxisWindow;
}

/**
 * Plans phase `p` of a transposed convolution along one axis.
 *
 * With `x` index `h = p + s·q`, forward tap `a` and output index `i` are
 * linked by `i·s + a − padBefore = h`, so only taps `a ≡ p + padBefore (mod
 * s)` contribute: `a = r + s·t`, `r = (p + padBefore) mod s`,
 * `t = 0 .. taps−1`, `taps = ceil((k − r) / s)`, and then `i = q + m − t`
 * with `m = floor((p + padBefore) / s)`. That is a stride-1 correlation of
 * `dy` with the flipped sub-filter `w[r::s]`, reading `dy` from offset
 * `q + m − taps + 1`.
 *
 * @param p phase (0 ≤ p < s)
 * @param s forward stride
 * @param k filter size
 * @param padBefore forward padding in front (top / left)
 * @param dyLen forward output size (extent of `dy` along the axis)
 * @param phaseLen outputs produced for every phase, `ceil(inLen / s)`
 *
 * @example
 * ```ts
 * // 3-tap filter, stride 2, 'same' on 8 inputs (pad before 0, 4 outputs):
 * planPhase(0, 2, 3, 0, 4, 4); // taps 2 (w[0], w[2]); dy padded by 1 in front
 * planPhase(1, 2, 3, 0, 4, 4); // taps 1 (w[1])
 * ```
 */
export function planPhase(
  p: number,
  s: number,
  k: number,
  padBefore: number,
  dyLen: number,
  phaseLen: number,
): PhaseAxis {
  const r = (p + padBefore) % s;
  const m = Math.floor((p + padBefore) / s);
  const taps = r < k ? Math.ceil((k - r) / s) : 0;
  const before = taps - 1 - m;
  const after = phaseLen + taps - 1 - before - dyLen;
  return {
    taps,
    // In the flipped filter wf[a'] = w[k−1−a'], tap t = taps−1−t' of the
    // phase is w[r + s·(taps−1−t')] = wf[k−1−r−s·(taps−1) + s·t'].
    filterBegin: k - 1 - r - s * (taps - 1),
    window: axisWindow(dyLen, before, after),
  };
}

/**
 * Geometry of a transposed (input-gradient) convolution, NHWC; the fields
 * mirror `backend_util.Conv2DInfo` of the forward convolution.
 *
 * @example
 * ```ts
 * const g: TransposedConvGeometry = { batch, inHeight, inWidth, inChannels, outHeight, outWidth,
 *   filterHeight, filterWidth, strideHeight, strideWidth, padTop: padInfo.top, padLeft: padInfo.left };
 * ```
 */
export interface TransposedConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  /** Channels of the result (`dx`). */
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Runs one stride-1 forward convolution of (a crop of) `dy` with a spatial
 * sub-filter, using explicit padding `pad`; must return
 * `[batch, phaseH, phaseW, inChannels]`.
 *
 * @example
 * ```ts
 * const conv: PhaseConv = (x, filter, pad) =>
 *   s.run('Conv2D', { x, filter }, { strides: [1, 1], dilations: [1, 1], pad, dataFormat: 'NHWC' });
 * ```
 */
export type PhaseConv = (dy: TensorInfo, filter: TensorInfo, pad: Pads4) => TensorInfo;

/**
 * Input gradient of a strided convolution as `sh·sw` stride-1 forward
 * convolutions, one per output phase, interleaved afterwards.
 *
 * `flipped` is the filter reversed along H and W (and laid out as `conv`
 * expects it); for stride 1 it is used whole and `conv` runs exactly once.
 * Compared with convolving a zero-dilated `dy`, this does `sh·sw` times fewer
 * multiply-adds (the same number as the forward convolution).
 *
 * @example
 * ```ts
 * const wf = s.transpose(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
 * const dx = transposedConvByPhases(s, dy, wf, geometry, conv);
 * ```
 */
export function transposedConvByPhases(
  s: KernelScope,
  dy: TensorInfo,
  flipped: TensorInfo,
  g: TransposedConvGeometry,
  conv: PhaseConv,
): TensorInfo {
  const { strideHeight: sh, strideWidth: sw, batch, inChannels } = g;
  const phaseH = Math.ceil(g.inHeight / sh);
  const phaseW = Math.ceil(g.inWidth / sw);
  const phaseShape = [batch, phaseH, phaseW, inChannels];
  const [fH = 0, fW = 0, f2 = 0, f3 = 0] = flipped.shape;
  const phases: TensorInfo[] = [];
  for (let p = 0; p < sh; p++) {
    const rows = planPhase(p, sh, g.filterHeight, g.padTop, g.outHeight, phaseH);
    for (let q = 0; q < sw; q++) {
      const cols = planPhase(q, sw, g.filterWidth, g.padLeft, g.outWidth, phaseW);
      if (rows.taps === 0 || cols.taps === 0 || rows.window.cropSize === 0 || cols.window.cropSize === 0) {
        phases.push(s.fill(phaseShape, 0));
        continue;
      }
      let sub = flipped;
      if (rows.taps !== fH || cols.taps !== fW) {
        sub = s.run(
          'StridedSlice',
          { x: flipped },
          {
            begin: [rows.filterBegin, cols.filterBegin, 0, 0],
            end: [
              rows.filterBegin + sh * (rows.taps - 1) + 1,
              cols.filterBegin + sw * (cols.taps - 1) + 1,
              f2,
              f3,
            ],
            strides: [sh, sw, 1, 1],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          },
        );
      }
      const { x, pad } = cropForConv(s, dy, rows.window, cols.window);
      phases.push(conv(x, sub, pad));
    }
  }
  const first = phases[0];
  if (phases.length === 1 && first !== undefined) return first;
  const full = interleave(s, phases, sh, sw);
  return s.slice(full, [0, 0, 0, 0], [batch, g.inHeight, g.inWidth, inChannels]);
}

/**
 * Interleaves `sh·sw` NHWC tensors of equal shape `[N, h, w, C]` into one
 * `[N, h·sh, w·sw, C]` tensor: `blocks[p·sw + q]` lands on rows `p::sh` and
 * columns `q::sw` (a depth-to-space of their channel concatenation).
 *
 * @example
 * ```ts
 * const full = interleave(s, [p00, p01, p10, p11], 2, 2); // [N, 2h, 2w, C]
 * ```
 */
export function interleave(s: KernelScope, blocks: TensorInfo[], sh: number, sw: number): TensorInfo {
  const [n = 0, h = 0, w = 0, c = 0] = blocks[0]?.shape ?? [];
  if (blocks.length !== sh * sw)
    throw new Error(`interleave: expected ${sh * sw} blocks, got ${blocks.length}.`);
  const cat =
    blocks.length === 1 && blocks[0] !== undefined ? blocks[0] : s.run('Concat', blocks, { axis: 3 }); // [N, h, w, sh·sw·C]
  const r4 = s.reshape(cat, [n * h, w, sh, sw * c]);
  const t4 = s.transpose(r4, [0, 2, 1, 3]); // [N·h, sh, w, sw·C]
  return s.reshape(t4, [n, h * sh, w * sw, c]);
}

/**
 * Inserts `sh − 1` zero rows / `sw − 1` zero columns between the pixels of an
 * NHWC tensor: `[N, h, w, C] → [N, (h−1)·sh + 1, (w−1)·sw + 1, C]`.
 *
 * @example
 * ```ts
 * const dyD = dilateSpatial(s, dy, 2, 2); // [N, 4, 4, C] → [N, 7, 7, C]
 * ```
 */
export function dilateSpatial(s: KernelScope, x: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n = 0, h = 0, w = 0, c = 0] = x.shape;
  const zeros = s.fill([n, h, w, c], 0);
  const blocks = Array.from({ length: sh * sw }, (_, i) => (i === 0 ? x : zeros));
  const full = interleave(s, blocks, sh, sw);
  return s.slice(full, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/**
 * The shared set-up of the depthwise gradient kernels: dilation 1 only, the convolution info
 * tfjs computes for the forward op, and a check that `dy` has the forward output's shape.
 *
 * @example
 * ```ts
 * const info = depthwiseConvInfo('DepthwiseConv2dNativeBackpropInput', inputShape, filterShape, dyShape, attrs);
 * ```
 */
export function depthwiseConvInfo(
  kernelName: string,
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  dyShape: readonly number[],
  attrs: {
    strides: number | [number, number];
    dilations: number | [number, number];
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  },
): backend_util.Conv2DInfo {
  const [dh, dw] = pair(attrs.dilations);
  if (dh !== 1 || dw !== 1) {
    throw new Error(`${kernelName} (wasm training kernels): dilations must be 1, got [${dh}, ${dw}].`);
  }
  const info = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1 /* dilations */,
    attrs.pad,
    attrs.dimRoundingMode,
    true /* depthwise */,
  );
  const expected = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dyShape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `${kernelName}: dy shape [${dyShape.join(', ')}] does not match the convolution output [${expected.join(', ')}].`,
    );
  }
  return info;
}
