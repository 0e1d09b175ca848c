export {
  initBackend,
  currentBackend,
  parseEngine,
  ENGINE_ORDER,
  type EngineName,
  type EngineRequest,
  type BackendChoice,
} from './backend.js';
export {
  parseWasmThreads,
  wasmThreadsFor,
  wasmThreads,
  MAX_WASM_THREADS,
  type WasmThreadsRequest,
} from './wasm-threads.js';
export { createRng, rngFromState, hashString } from './rng.js';
/** Re-exported from `@prunekit/core` (where it lives, so packages without tfjs can use it). */
export { writeFileAtomic } from '@prunekit/core';
export {
  encodeSafetensors,
  decodeSafetensors,
  saveSafetensors,
  loadSafetensors,
  MAX_HEADER_BYTES,
  CHECKSUM_KEY,
  type SafetensorsDtype,
  type SafetensorsArray,
  type SafetensorsEntry,
  type SafetensorsFile,
} from './safetensors.js';
export { saveWeights, loadWeights, saveMask, loadMask } from './checkpoint.js';
export { VariableStore, toHost, fromHost, type StoredParam, type StoredState } from './store.js';
export { expectNoLeaks, tensorGrowth } from './leaks.js';
export { registerWasmTrainingKernels, wasmTrainingKernels } from './kernels/index.js';
/** The sparse products and their tfjs op (the list lives in `./sparse/index.ts`). */
export * from './sparse/index.js';
export {
  sgdUpdate,
  registerSgdUpdate,
  SGD_UPDATE,
  SGD_UPDATE_BACKENDS,
  type SgdUpdateOptions,
} from './fused/sgd-update.js';
export { multiplyInPlace, countSignFlips, type SignFlipCount } from './fused/in-place.js';
