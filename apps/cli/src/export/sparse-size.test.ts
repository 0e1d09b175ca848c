import type { ParamInfo } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { indexBytes, sparseSize } from './sparse-size.js';

const info = (name: string, shape: number[], prunable: boolean): ParamInfo => ({
  name,
  shape,
  prunable,
  role: prunable ? 'weight' : 'bias',
  layer: 'fc',
  layerKind: 'dense',
});

describe('sparseSize', () => {
  it('counts non-zeros and dense vs CSR bytes by hand', () => {
    // fc.weight [in 3, out 2] holds 3 non-zeros; as CSR: 2 rows (outputs) of 3 columns →
    // 3 values × (4 B + 1 B uint8 index) + 3 row pointers × 4 B = 27 B (dense: 6 × 4 = 24 B).
    const params = [info('fc.weight', [3, 2], true), info('fc.bias', [2], false)];
    const weights = new Map([
      ['fc.weight', { shape: [3, 2], data: Float32Array.of(1, 0, 0, 2, 0, 3) }],
      ['fc.bias', { shape: [2], data: Float32Array.of(0, 5) }],
    ]);
    const s = sparseSize(params, weights);
    expect(s.perParam).toEqual([
      {
        name: 'fc.weight',
        shape: [3, 2],
        prunable: true,
        size: 6,
        nonzero: 3,
        denseBytes: 24,
        sparseBytes: 27,
      },
      { name: 'fc.bias', shape: [2], prunable: false, size: 2, nonzero: 1, denseBytes: 8, sparseBytes: 8 },
    ]);
    expect({ ...s, perParam: undefined, layout: undefined }).toEqual({
      params: 8,
      nonzero: 4,
      prunable: 6,
      prunableNonzero: 3,
      density: 0.5,
      denseBytes: 32,
      sparseBytes: 35,
      perParam: undefined,
      layout: undefined,
    });
  });

  it('conv kernels [kh, kw, in, out] are rows of out with kh·kw·in columns', () => {
    const w = new Float32Array(3 * 3 * 30 * 4); // 270 columns → uint16 indices
    w[0] = 1;
    w[5] = -2;
    const s = sparseSize(
      [{ ...info('conv.weight', [3, 3, 30, 4], true), layerKind: 'conv' }],
      new Map([['conv.weight', { shape: [3, 3, 30, 4], data: w }]]),
    );
    expect(s.sparseBytes).toBe(2 * (4 + 2) + 4 * 5);
    expect(s.denseBytes).toBe(4 * 1080);
  });

  it('index width is the smallest unsigned type that holds the column index', () => {
    expect([indexBytes(1), indexBytes(256), indexBytes(257), indexBytes(65_536), indexBytes(65_537)]).toEqual(
      [1, 1, 2, 2, 4],
    );
  });
});
