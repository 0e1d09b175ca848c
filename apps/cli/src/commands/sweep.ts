import {
  type SweepPointStatus,
  parseShard,
  parseSweep,
  runDirectory,
  runSweep,
  shardFromEnv,
} from '@prunekit/experiment';
import { BACKEND_OPTION, type Command, flag, str } from '../args.js';
import { table } from '../format.js';
import { readText } from '../recipe-source.js';

export const sweepCommand: Command = {
  name: 'sweep',
  args: '<sweep.yaml>',
  summary: 'run every point of a sweep (a grid over recipe fields × seeds), or one shard of it',
  details: [
    'A sweep file has `preset:` and/or `base:` (a recipe), `set:` (fixed overrides), `grid:` (values',
    'per dotted field path; the points are their product) and `seeds: n`. Every point is validated',
    'before the first one runs. Finished points are skipped, unfinished ones resume, so the same',
    'command continues an interrupted sweep. With --shard i/n (or $PRUNEKIT_SHARD, a Slurm array, a',
    'Kubernetes indexed job) a worker runs the points p with p % n == i; shards can share --out.',
  ],
  options: {
    shard: { type: 'string', value: 'i/n', description: 'run only shard i of n (0-based), e.g. 0/4' },
    out: {
      type: 'string',
      value: 'dir',
      description: "parent directory of the run directories (default: the sweep's out, else runs)",
    },
    'dry-run': { type: 'boolean', description: 'list the points (run ids, grid values) without running' },
    'fail-fast': {
      type: 'boolean',
      description: 'stop at the first failed point (default: go on, exit 1 at the end)',
    },
    backend: BACKEND_OPTION,
  },
  examples: [
    'prunekit sweep sweep.yaml --shard 0/4 --out runs',
    '# sweep.yaml:\n  #   preset: lrr\n  #   set: { dataset.options.limit: 6000, pruning.rounds: 3 }\n  #   grid: { rewind.policy.name: [lr-rewind, weight-rewind] }\n  #   seeds: 3',
  ],
  positionals: [1, 1],
  async run(p, ctx) {
    const file = p.positionals[0]!;
    const sweep = parseSweep(readText(file), { source: file });
    const shardText = str(p, 'shard');
    const shard =
      shardText === undefined ? (shardFromEnv(ctx.io.env) ?? { index: 0, count: 1 }) : parseShard(shardText);
    const out = str(p, 'out') ?? sweep.spec.out ?? 'runs';
    const mine = sweep.points.filter((pt) => pt.index % shard.count === shard.index);
    ctx.info(
      `sweep ${sweep.spec.name ?? file}: ${sweep.points.length} point${sweep.points.length === 1 ? '' : 's'}${sweep.duplicates ? ` (${sweep.duplicates} duplicate grid points left out)` : ''}; shard ${shard.index}/${shard.count} runs ${mine.length}`,
    );
    if (flag(p, 'dry-run')) {
      const rows = mine.map((pt) => [
        String(pt.index),
        pt.runId,
        Object.entries(pt.label)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(' '),
      ]);
      ctx.result(table(['point', 'run id', 'grid values'], rows), {
        points: mine.map((pt) => ({
          index: pt.index,
          runId: pt.runId,
          dir: runDirectory(out, pt.runId),
          label: pt.label,
        })),
      });
      return 0;
    }
    await ctx.backend(str(p, 'backend'));
    const res = await runSweep(sweep, {
      shard,
      out,
      onEvent: ctx.events,
      failFast: flag(p, 'fail-fast'),
      onPoint: (pt, status: SweepPointStatus, detail) => {
        const label = Object.entries(pt.label)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(' ');
        if (status === 'start')
          ctx.info(`point ${pt.index}/${sweep.points.length}: ${pt.runId}${label ? ` (${label})` : ''}`);
        else if (status === 'failed')
          ctx.warn(`point ${pt.index} failed: ${detail instanceof Error ? detail.message : ''}`);
        else if (status === 'locked')
          ctx.warn(`point ${pt.index} is being run by another process; left to it`);
        else if (status === 'skipped') ctx.info(`point ${pt.index}: ${pt.runId} already finished`);
      },
    });
    const failed = res.points.filter((x) => x.status === 'failed');
    ctx.result(
      table(
        ['point', 'status', 'run dir'],
        res.points.map((x) => [String(x.index), x.status, x.dir]),
      ),
      { out: res.out, shard: res.shard, points: res.points },
    );
    if (failed.length) {
      ctx.warn(
        `${failed.length} of ${res.points.length} points failed (${failed.map((f) => `${f.index}: ${f.error?.code}`).join(', ')}); run the same command again to retry them`,
      );
      return 1;
    }
    return 0;
  },
};
