// Helpers for this package's tests (not exported from the package).
import type { HostTensor } from '@prunekit/core';

/** The float32 rounding of literal numbers, to compare host tensors exactly. */
export function f32(values: readonly number[]): number[] {
  return Array.from(Float32Array.from(values));
}

/** The values of one entry of a weight map, as a plain array (throws if absent). */
export function values(w: ReadonlyMap<string, HostTensor>, name: string): number[] {
  const t = w.get(name);
  if (!t) throw new Error(`no entry '${name}'`);
  return Array.from(t.data);
}
