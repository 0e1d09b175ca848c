import { defineConfig, type Options } from 'tsup';

/**
 * The build every library package uses: ESM + CJS + `.d.ts`/`.d.cts`, tree-shakeable, with
 * dependencies and peer dependencies left external (tsup's default).
 */
export function libraryConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { composite: false } },
    tsconfig: 'tsconfig.build.json',
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
    shims: true,
    ...overrides,
  });
}
