import { PruneError } from './errors.js';

/**
 * A tensor held on the host (plain JS memory): a shape and its row-major data. Snapshots, masks,
 * checkpoints and sign metrics work on host tensors, so they never leak GPU/wasm memory.
 */
export interface HostTensor<T extends Float32Array | Uint8Array = Float32Array> {
  readonly shape: readonly number[];
  readonly data: T;
}

/** Named host tensors, e.g. a model's weights at one point of training. Insertion order is kept. */
export type Weights = Map<string, HostTensor>;

/**
 * The number of elements of a shape.
 *
 * @example
 * ```ts
 * sizeOf([3, 3, 16, 32]); // 4608
 * ```
 */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Whether two shapes are equal.
 *
 * @example
 * ```ts
 * sameShape([2, 3], [2, 3]); // true
 * ```
 */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Make a host tensor, checking that the data length matches the shape.
 *
 * @example
 * ```ts
 * const t = hostTensor([2, 2], [1, -2, 3, -4]);
 * ```
 */
export function hostTensor(shape: readonly number[], data: ArrayLike<number> | Float32Array): HostTensor {
  const arr = data instanceof Float32Array ? data : Float32Array.from(data);
  if (arr.length !== sizeOf(shape)) {
    throw new PruneError(
      'E_SHAPE',
      `data has ${arr.length} values but shape [${shape.join(', ')}] needs ${sizeOf(shape)}`,
    );
  }
  return { shape: [...shape], data: arr };
}

/**
 * A deep copy of named host tensors.
 *
 * @example
 * ```ts
 * const copy = cloneWeights(snapshot.params);
 * ```
 */
export function cloneWeights(w: ReadonlyMap<string, HostTensor>): Weights {
  const out: Weights = new Map();
  for (const [k, v] of w) out.set(k, { shape: [...v.shape], data: v.data.slice() });
  return out;
}
