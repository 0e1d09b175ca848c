import type { KernelConfig } from '@tensorflow/tfjs-core';

/** Placeholder until the wasm training kernels land. */
export const wasmTrainingKernels: KernelConfig[] = [];

/** Placeholder: registers nothing yet. */
export function registerWasmTrainingKernels(): string[] {
  return [];
}
