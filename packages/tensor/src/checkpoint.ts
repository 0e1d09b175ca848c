import { type HostTensor, Mask, type MaskTensor, PruneError, type Weights } from '@prunekit/core';
import { type SafetensorsEntry, loadSafetensors, saveSafetensors } from './safetensors.js';

/**
 * Save named float tensors (weights, optimizer slots) as a safetensors file, atomically.
 *
 * @example
 * ```ts
 * saveWeights('anchor.safetensors', model.snapshot().params, { round: '0' });
 * ```
 */
export function saveWeights(
  path: string,
  weights: ReadonlyMap<string, HostTensor>,
  metadata: Record<string, string> = {},
): void {
  const t = new Map<string, SafetensorsEntry>();
  for (const [k, v] of weights) t.set(k, { dtype: 'F32', shape: v.shape, data: v.data });
  saveSafetensors(path, t, { format: 'pt', ...metadata });
}

/**
 * Load named float tensors written by {@link saveWeights} (or any F32 safetensors file).
 *
 * @example
 * ```ts
 * const { weights } = loadWeights('anchor.safetensors');
 * ```
 */
export function loadWeights(path: string): { weights: Weights; metadata: Record<string, string> } {
  const f = loadSafetensors(path);
  const weights: Weights = new Map();
  for (const [k, v] of f.tensors) {
    if (v.dtype !== 'F32') {
      throw new PruneError('E_CHECKPOINT', `${path}: tensor '${k}' is ${v.dtype}; weights must be F32`, {
        hint: 'save weights as float32 tensors (saveWeights does; from PyTorch: tensor.float() before save_file)',
        where: path,
      });
    }
    weights.set(k, { shape: v.shape, data: v.data as Float32Array });
  }
  return { weights, metadata: f.metadata };
}

/**
 * Save a mask as a safetensors file of U8 tensors, atomically.
 *
 * @example
 * ```ts
 * saveMask('round-1/mask.safetensors', mask);
 * ```
 */
export function saveMask(path: string, mask: Mask, metadata: Record<string, string> = {}): void {
  const t = new Map<string, SafetensorsEntry>();
  for (const [k, v] of mask.entries()) t.set(k, { dtype: 'U8', shape: v.shape, data: v.data });
  saveSafetensors(path, t, { format: 'pt', kind: 'mask', density: String(mask.density()), ...metadata });
}

const MASK_HINT =
  'a mask holds 0 (pruned) or 1 (kept) per weight as U8 tensors, one per prunable param: write it with saveMask';

/**
 * Load a mask written by {@link saveMask}. Values other than 0/1, or a non-U8/BOOL dtype,
 * throw `E_MASK` naming the file.
 *
 * @example
 * ```ts
 * const mask = loadMask('round-1/mask.safetensors');
 * mask.assertMatches(model.params, 'round-1/mask.safetensors');
 * ```
 */
export function loadMask(path: string): Mask {
  const f = loadSafetensors(path);
  const entries: [string, MaskTensor][] = [];
  for (const [k, v] of f.tensors) {
    if (v.dtype !== 'U8' && v.dtype !== 'BOOL') {
      throw new PruneError(
        'E_MASK',
        `${path}: mask tensor '${k}' is ${v.dtype}; masks are U8 (or BOOL) 0/1 tensors`,
        { hint: MASK_HINT, where: path },
      );
    }
    entries.push([k, { shape: v.shape, data: v.data as Uint8Array }]);
  }
  try {
    return new Mask(entries);
  } catch (e) {
    throw new PruneError('E_MASK', `${path}: ${(e as Error).message.replace(/\.?\s*$/, '')}`, {
      cause: e,
      hint: MASK_HINT,
      where: path,
    });
  }
}
