import { defineConfig } from 'tsup';

/** The CLI: one ESM executable, dependencies left external (resolved from node_modules at run time). */
export default defineConfig({
  entry: ['src/bin.ts'],
  format: ['esm'],
  tsconfig: 'tsconfig.build.json',
  banner: { js: '#!/usr/bin/env node' },
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
  dts: false,
});
