import type { ParamInfo } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { hwcRowsToChw, hwioToOihw, torchLayout, transpose2d } from './torch-layout.js';

describe('torch layout', () => {
  it('transposes dense kernels [in, out] → [out, in]', () => {
    const t = transpose2d({ shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
    expect(t.shape).toEqual([3, 2]);
    expect([...t.data]).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('permutes conv kernels [kh, kw, in, out] → [out, in, kh, kw]', () => {
    // kh 1, kw 2, in 2, out 3; value = flat index. out[o][i][0][w] = in[0][w][i][o] = (w·2 + i)·3 + o.
    const t = hwioToOihw({ shape: [1, 2, 2, 3], data: Float32Array.from({ length: 12 }, (_, k) => k) });
    expect(t.shape).toEqual([3, 2, 1, 2]);
    expect([...t.data]).toEqual([0, 6, 3, 9, 1, 7, 4, 10, 2, 8, 5, 11]);
  });

  it('reorders a flattening dense layer from (h, w, c) to (c, h, w) inputs', () => {
    // h 1, w 2, c 2, one output: rows (y, x, k) = (0,0,0) (0,0,1) (0,1,0) (0,1,1) → (k, y, x) order.
    const t = hwcRowsToChw({ shape: [4, 1], data: Float32Array.of(10, 11, 20, 21) }, [1, 2, 2]);
    expect([...t.data]).toEqual([10, 20, 11, 21]);
    const p: ParamInfo = {
      name: 'fc1.weight',
      shape: [4, 1],
      role: 'weight',
      prunable: true,
      layer: 'fc1',
      layerKind: 'dense',
    };
    const out = torchLayout(
      [p],
      {
        params: new Map([['fc1.weight', { shape: [4, 1], data: Float32Array.of(10, 11, 20, 21) }]]),
        state: new Map(),
      },
      { param: 'fc1.weight', shape: [1, 2, 2] },
    );
    expect(out.get('fc1.weight')!.shape).toEqual([1, 4]);
    expect([...out.get('fc1.weight')!.data]).toEqual([10, 20, 11, 21]);
  });

  it('renames batch-norm gamma/beta to weight/bias, keeps running statistics and 1-D tensors', () => {
    const p = (name: string, shape: number[], role: ParamInfo['role']): ParamInfo => ({
      name,
      shape,
      role,
      prunable: role === 'weight',
      layer: name.split('.')[0]!,
      layerKind: 'bn',
    });
    const params = [p('bn1.gamma', [2], 'bn-gamma'), p('bn1.beta', [2], 'bn-beta')];
    const out = torchLayout(params, {
      params: new Map([
        ['bn1.gamma', { shape: [2], data: Float32Array.of(1, 2) }],
        ['bn1.beta', { shape: [2], data: Float32Array.of(3, 4) }],
      ]),
      state: new Map([['bn1.running_mean', { shape: [2], data: Float32Array.of(5, 6) }]]),
    });
    expect([...out.keys()]).toEqual(['bn1.weight', 'bn1.bias', 'bn1.running_mean']);
    expect([...out.get('bn1.bias')!.data]).toEqual([3, 4]);
  });
});
