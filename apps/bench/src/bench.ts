/**
 * `pnpm bench`: the three benchmarks one after the other, each in its own Node process —
 * training throughput and memory (`throughput.js`), the pruning machinery (`machinery.js`) and
 * whole short IMP/LRR runs (`runs.js`), every one side by side with PyTorch.
 *
 *   node apps/bench/dist/bench.js [--full] [--no-torch]
 *
 * `--full` and `--no-torch` are passed to each benchmark; anything else is refused (run a
 * benchmark alone for its own options). Exits with the first failing benchmark's code.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PASSED = new Set(['--full', '--no-torch']);
const BENCHMARKS = ['throughput', 'machinery', 'runs'] as const;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(
    'Usage: node apps/bench/dist/bench.js [--full] [--no-torch]\n\nRuns throughput, machinery and runs (see apps/bench/README.md); --full runs everything.',
  );
  process.exit(0);
}
const unknown = args.filter((a) => !PASSED.has(a));
if (unknown.length > 0) {
  console.error(
    `bench: unknown option ${unknown.join(' ')}; use --full and/or --no-torch, or run one benchmark alone (node apps/bench/dist/<throughput|machinery|runs>.js --help)`,
  );
  process.exit(2);
}
const started = performance.now();
for (const name of BENCHMARKS) {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  console.log(`\n=== ${name} ${args.join(' ')}`.trimEnd());
  const r = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
  const code = r.status ?? 1;
  if (code !== 0) {
    console.error(
      `bench: ${name} failed (exit ${code}${r.signal ? `, ${r.signal}` : ''}); the benchmarks after it did not run`,
    );
    process.exit(code);
  }
}
console.log(`\nbench: all three done in ${((performance.now() - started) / 60_000).toFixed(1)} min`);
