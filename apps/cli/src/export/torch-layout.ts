import type { HostTensor, ModelSnapshot, ParamInfo } from '@prunekit/core';

/** A dense layer that reads a flattened `[h, w, c]` (NHWC) feature map. */
export interface FlattenInput {
  /** The dense weight, e.g. `fc1.weight`. */
  readonly param: string;
  /** The feature map it flattens, `[h, w, c]`. */
  readonly shape: readonly [number, number, number];
}

/**
 * A snapshot in PyTorch's conventions: dense kernels `[in, out]` → `weight` `[out, in]`; conv
 * kernels `[kh, kw, in, out]` (NHWC, tfjs) → `[out, in, kh, kw]`; batch norm `gamma`/`beta` →
 * `weight`/`bias`; running statistics keep their names (`running_mean`, `running_var`); other
 * tensors are copied as they are. Names keep prunekit's layer names (`fc1.weight`,
 * `layer1.0.conv1.weight`), which are PyTorch-style already. A dense layer after a flatten
 * (`flatten`) gets its input columns reordered from tfjs's `(h, w, c)` to PyTorch's `(c, h, w)`.
 *
 * @example
 * ```ts
 * const t = torchLayout(model.params, snapshot); // Map { 'fc1.weight' => { shape: [300, 784], … }, … }
 * ```
 */
export function torchLayout(
  params: readonly ParamInfo[],
  snapshot: ModelSnapshot,
  flatten?: FlattenInput,
): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const p of params) {
    const w = snapshot.params.get(p.name);
    if (!w) continue;
    let name = p.name;
    if (p.role === 'bn-gamma') name = name.replace(/\.gamma$/, '.weight');
    if (p.role === 'bn-beta') name = name.replace(/\.beta$/, '.bias');
    const t = flatten?.param === p.name && w.shape.length === 2 ? hwcRowsToChw(w, flatten.shape) : w;
    out.set(name, t.shape.length === 2 ? transpose2d(t) : t.shape.length === 4 ? hwioToOihw(t) : copy(t));
  }
  for (const [name, s] of snapshot.state) out.set(name, copy(s));
  return out;
}

function copy(t: HostTensor): HostTensor {
  return { shape: [...t.shape], data: Float32Array.from(t.data) };
}

/** `[a, b]` → `[b, a]`. */
export function transpose2d(t: HostTensor): HostTensor {
  const [a, b] = t.shape as [number, number];
  const data = new Float32Array(a * b);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) data[j * a + i] = t.data[i * b + j]!;
  return { shape: [b, a], data };
}

/** `[kh, kw, in, out]` → `[out, in, kh, kw]`. */
export function hwioToOihw(t: HostTensor): HostTensor {
  const [kh, kw, ci, co] = t.shape as [number, number, number, number];
  const data = new Float32Array(t.data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++)
          data[((o * ci + i) * kh + h) * kw + w] = t.data[((h * kw + w) * ci + i) * co + o]!;
  return { shape: [co, ci, kh, kw], data };
}

/** Reorder the rows of a dense kernel `[h·w·c, out]` from `(h, w, c)` order to `(c, h, w)`. */
export function hwcRowsToChw(t: HostTensor, [h, w, c]: readonly [number, number, number]): HostTensor {
  const [rows, out] = t.shape as [number, number];
  if (rows !== h * w * c) return t;
  const data = new Float32Array(t.data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) {
        const from = ((y * w + x) * c + k) * out;
        const to = ((k * h + y) * w + x) * out;
        data.set(t.data.subarray(from, from + out), to);
      }
  return { shape: [rows, out], data };
}
