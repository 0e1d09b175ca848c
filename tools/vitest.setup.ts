import { initBackend, parseEngine } from '@prunekit/tensor';

// Every test file starts on the engine CI uses (wasm, with prunekit's training kernels), or on
// the one named by PRUNEKIT_TEST_BACKEND (e.g. `cpu` to run the suite on the reference backend).
await initBackend({
  engine: parseEngine(process.env.PRUNEKIT_TEST_BACKEND ?? 'wasm', 'PRUNEKIT_TEST_BACKEND'),
  log: () => {},
});
