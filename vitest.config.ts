import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * One config over all packages. Tests import `@prunekit/*` and run against the sources
 * (no build needed). Slow end-to-end suites are named `*.slow.test.ts`: `pnpm test` runs them
 * too (sized to fit CI), `pnpm test:fast` leaves them out.
 */
export default defineConfig({
  resolve: {
    alias: [{ find: /^@prunekit\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` }],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tools/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: false, maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // Test files run in parallel forks: one wasm thread each (wasm-threads.test.ts tests more).
    env: { PRUNEKIT_QUIET_BACKEND: '1', PRUNEKIT_WASM_THREADS: '1' },
    setupFiles: ['tools/vitest.setup.ts'],
  },
});
