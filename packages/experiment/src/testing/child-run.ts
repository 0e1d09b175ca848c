/**
 * Test helper: run a recipe (or a sweep shard) in a child process (spawned by tests with tsx).
 * With PRUNEKIT_KILL_AFTER=<n> and PRUNEKIT_KILL_ON=<event type>, the process sends itself
 * SIGKILL right after the n-th such event: a real crash, at a reproducible point.
 *
 *   child-run.ts run <recipe.json> <out>
 *   child-run.ts resume <run dir>
 *   child-run.ts sweep <sweep.yaml> <out> <index/count>
 */
import { readFileSync } from 'node:fs';
import { initBackend } from '@prunekit/tensor';
import { parseShard, parseSweep, resumeRun, runExperiment, runSweep } from '../index.js';

const [mode, arg, out, shardText] = process.argv.slice(2);
const killAfter = Number(process.env.PRUNEKIT_KILL_AFTER ?? 0);
const killOn = process.env.PRUNEKIT_KILL_ON ?? 'checkpoint';
let seen = 0;
await initBackend({ engine: 'wasm', log: () => {} });
const onEvent = (e: { type: string }) => {
  if (killAfter && e.type === killOn && ++seen === killAfter) process.kill(process.pid, 'SIGKILL');
};
if (mode === 'sweep') {
  const sweep = parseSweep(readFileSync(arg!, 'utf8'), { source: arg! });
  const result = await runSweep(sweep, { out: out!, onEvent, shard: parseShard(shardText ?? '0/1') });
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const result =
    mode === 'resume'
      ? await resumeRun(arg!, { onEvent })
      : await runExperiment(JSON.parse(readFileSync(arg!, 'utf8')), { out: out!, onEvent });
  process.stdout.write(`${JSON.stringify({ dir: result.dir })}\n`);
}
