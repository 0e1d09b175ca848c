import { defineConfig } from 'tsup';

export default defineConfig({
  entry: [
    'src/bench.ts',
    'src/throughput.ts',
    'src/machinery.ts',
    'src/runs.ts',
    'src/reproduce.ts',
    'src/profile-step.ts',
  ],
  format: ['esm'],
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'node20',
  dts: false,
});
