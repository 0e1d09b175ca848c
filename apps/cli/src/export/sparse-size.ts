import type { ParamInfo, Weights } from '@prunekit/core';

/** Storage of one parameter. */
export interface ParamSize {
  readonly name: string;
  readonly shape: readonly number[];
  readonly prunable: boolean;
  readonly size: number;
  readonly nonzero: number;
  /** float32, dense. */
  readonly denseBytes: number;
  /** CSR-like for prunable weights (see {@link sparseSize}); dense for everything else. */
  readonly sparseBytes: number;
}

/** Sizes of a pruned network, dense vs sparse. */
export interface SparseSize {
  readonly params: number;
  readonly nonzero: number;
  readonly prunable: number;
  readonly prunableNonzero: number;
  /** Non-zeros among the prunable weights / prunable weights. */
  readonly density: number;
  readonly denseBytes: number;
  readonly sparseBytes: number;
  /** How `sparseBytes` is counted. */
  readonly layout: string;
  readonly perParam: readonly ParamSize[];
}

/** Bytes of one column index: the smallest unsigned integer type that holds `cols - 1`. */
export function indexBytes(cols: number): 1 | 2 | 4 {
  return cols <= 256 ? 1 : cols <= 65_536 ? 2 : 4;
}

/**
 * Count non-zeros and storage of a network's parameters. Dense: 4 bytes (float32) per value.
 * Sparse (CSR-like), for prunable weights only: rows are output units/channels (PyTorch layout,
 * `[out, in]` / `[out, in·kh·kw]`); each row stores its non-zero values (float32) and their
 * column indices (uint8/uint16/uint32, the smallest that fits the row length), plus one uint32
 * row pointer per row and one more. Biases, batch norm and other non-prunable tensors are
 * counted dense in both totals.
 *
 * @example
 * ```ts
 * sparseSize(model.params, snapshot.params).sparseBytes;
 * ```
 */
export function sparseSize(params: readonly ParamInfo[], weights: Weights): SparseSize {
  const perParam: ParamSize[] = [];
  for (const p of params) {
    const w = weights.get(p.name);
    if (!w) continue;
    let nonzero = 0;
    for (let i = 0; i < w.data.length; i++) if (w.data[i] !== 0) nonzero++;
    const size = w.data.length;
    const denseBytes = 4 * size;
    let sparseBytes = denseBytes;
    if (p.prunable) {
      const rows = w.shape.length >= 2 ? w.shape[w.shape.length - 1]! : 1; // [in, out] / [kh, kw, in, out]: out is last
      const cols = size / Math.max(1, rows);
      sparseBytes = nonzero * (4 + indexBytes(cols)) + 4 * (rows + 1);
    }
    perParam.push({
      name: p.name,
      shape: [...w.shape],
      prunable: p.prunable,
      size,
      nonzero,
      denseBytes,
      sparseBytes,
    });
  }
  const sum = (f: (x: ParamSize) => number, only?: (x: ParamSize) => boolean) =>
    perParam.filter(only ?? (() => true)).reduce((a, x) => a + f(x), 0);
  const prunable = sum(
    (x) => x.size,
    (x) => x.prunable,
  );
  const prunableNonzero = sum(
    (x) => x.nonzero,
    (x) => x.prunable,
  );
  return {
    params: sum((x) => x.size),
    nonzero: sum((x) => x.nonzero),
    prunable,
    prunableNonzero,
    density: prunable ? prunableNonzero / prunable : 1,
    denseBytes: sum((x) => x.denseBytes),
    sparseBytes: sum((x) => x.sparseBytes),
    layout:
      'dense: float32 values; sparse: CSR per prunable weight with rows = output units/channels (PyTorch layout), float32 values, uint8/16/32 column indices (smallest that fits), uint32 row pointers; non-prunable tensors dense',
    perParam,
  };
}
