import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  RUN_FILES,
  type Sweep,
  type SweepPoint,
  type SweepPointStatus,
  type SweepRunResult,
  parseShard,
  parseSweep,
  runDirectory,
  runSweep,
  shardFromEnv,
} from '@prunekit/experiment';
import { BACKEND_OPTION, type Command, type Parsed, flag, str } from '../args.js';
import type { Context } from '../context.js';
import { table } from '../format.js';
import {
  JOBS_OPTION,
  WORKER_OPTION,
  deal,
  jobCount,
  jobLine,
  parseJobs,
  runWorkers,
  watchParent,
  workerFailure,
} from '../jobs.js';
import { readText } from '../recipe-source.js';

type PointResult = SweepRunResult['points'][number];

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
    'With --jobs n the unfinished points (of the shard) are dealt evenly to n worker processes on',
    'this machine; results are the same as with --jobs 1 (every run is seeded and independent).',
  ],
  options: {
    shard: { type: 'string', value: 'i/n', description: 'run only shard i of n (0-based), e.g. 0/4' },
    jobs: JOBS_OPTION,
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
    worker: WORKER_OPTION,
  },
  examples: [
    'prunekit sweep sweep.yaml --shard 0/4 --out runs',
    'prunekit sweep sweep.yaml --jobs 2',
    '# sweep.yaml:\n  #   preset: lrr\n  #   set: { dataset.options.limit: 6000, pruning.rounds: 3 }\n  #   grid: { rewind.policy.name: [lr-rewind, weight-rewind] }\n  #   seeds: 3',
  ],
  positionals: [1, 1],
  async run(p, ctx) {
    const file = p.positionals[0]!;
    const sweep = parseSweep(readText(file), { source: file });
    const out = str(p, 'out') ?? sweep.spec.out ?? 'runs';
    const worker = str(p, 'worker');
    if (worker !== undefined) return runAsWorker(p, ctx, sweep, out, worker);
    const shardText = str(p, 'shard');
    const shard =
      shardText === undefined ? (shardFromEnv(ctx.io.env) ?? { index: 0, count: 1 }) : parseShard(shardText);
    const mine = sweep.points.filter((pt) => pt.index % shard.count === shard.index);
    ctx.info(
      `sweep ${sweep.spec.name ?? file}: ${sweep.points.length} point${sweep.points.length === 1 ? '' : 's'}${sweep.duplicates ? ` (${sweep.duplicates} duplicate grid points left out)` : ''}; shard ${shard.index}/${shard.count} runs ${mine.length}`,
    );
    if (flag(p, 'dry-run')) {
      const rows = mine.map((pt) => [String(pt.index), pt.runId, labelText(pt)]);
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
    const pending = mine.filter((pt) => !existsSync(join(runDirectory(out, pt.runId), RUN_FILES.done)));
    const jobs = jobCount(parseJobs(p), pending.length);
    let res: { out: string; points: readonly PointResult[] };
    if (jobs <= 1) {
      await ctx.backend(str(p, 'backend'));
      res = await runSweep(sweep, {
        shard,
        out,
        onEvent: ctx.events,
        failFast: flag(p, 'fail-fast'),
        onPoint: (pt, status: SweepPointStatus, detail) => {
          if (status === 'start') ctx.info(startText(pt, sweep));
          else if (status === 'failed')
            ctx.warn(`point ${pt.index} failed: ${detail instanceof Error ? detail.message : ''}`);
          else if (status === 'locked')
            ctx.warn(`point ${pt.index} is being run by another process; left to it`);
          else if (status === 'skipped') ctx.info(`point ${pt.index}: ${pt.runId} already finished`);
        },
      });
    } else {
      res = await runParallel(p, ctx, { file, sweep, out, mine, pending, jobs });
    }
    const failed = res.points.filter((x) => x.status === 'failed');
    ctx.result(
      table(
        ['point', 'status', 'run dir'],
        res.points.map((x) => [String(x.index), x.status, x.dir]),
      ),
      { out: res.out, shard, points: res.points },
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

function labelText(pt: SweepPoint): string {
  return Object.entries(pt.label)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
}

function startText(pt: SweepPoint, sweep: Sweep): string {
  const label = labelText(pt);
  return `point ${pt.index}/${sweep.points.length}: ${pt.runId}${label ? ` (${label})` : ''}`;
}

/**
 * `--jobs n`: the finished points are reported here; the pending ones are dealt round-robin to
 * `n` workers (equal counts), each running `sweep <file> --worker <indices>` in this directory
 * (same `--out` as given, so the run directories and the result table are those of `--jobs 1`).
 */
async function runParallel(
  p: Parsed,
  ctx: Context,
  o: {
    file: string;
    sweep: Sweep;
    out: string;
    mine: readonly SweepPoint[];
    pending: readonly SweepPoint[];
    jobs: number;
  },
): Promise<{ out: string; points: PointResult[] }> {
  const points: PointResult[] = [];
  const pendingIds = new Set(o.pending.map((pt) => pt.index));
  for (const pt of o.mine) {
    if (pendingIds.has(pt.index)) continue;
    ctx.info(`point ${pt.index}: ${pt.runId} already finished`);
    points.push({ index: pt.index, runId: pt.runId, dir: runDirectory(o.out, pt.runId), status: 'skipped' });
  }
  const parts = deal(o.pending, o.jobs);
  ctx.info(
    `${o.pending.length} point${o.pending.length === 1 ? '' : 's'} to run in ${o.jobs} worker processes (${parts.map((l, i) => `[${i + 1}] ${l.map((pt) => pt.index).join(',')}`).join(' ')})`,
  );
  const backend = str(p, 'backend');
  const failFast = flag(p, 'fail-fast');
  const outcomes = await runWorkers(
    ctx,
    parts.map((list) => ({
      args: [
        'sweep',
        o.file,
        '--out',
        o.out,
        '--worker',
        list.map((pt) => pt.index).join(','),
        '--json',
        ...(backend ? ['--backend', backend] : []),
        ...(failFast ? ['--fail-fast'] : []),
      ],
      units: list.length,
    })),
    { stopOnFailure: failFast },
  );
  const err = workerFailure(outcomes);
  if (err) throw err;
  for (const w of outcomes) {
    const rs = (w.result as { points?: PointResult[] } | undefined)?.points ?? [];
    points.push(...rs);
  }
  points.sort((a, b) => a.index - b.index);
  return { out: o.out, points };
}

/** The worker side of `--jobs`: run the listed points in this process; JSON lines on stdout. */
async function runAsWorker(
  p: Parsed,
  ctx: Context,
  sweep: Sweep,
  out: string,
  list: string,
): Promise<number> {
  watchParent();
  const wanted = new Set(list.split(',').map(Number));
  const points = sweep.points.filter((pt) => wanted.has(pt.index));
  await ctx.backend(str(p, 'backend'));
  const res = await runSweep(
    { ...sweep, points },
    {
      out,
      onEvent: ctx.events,
      failFast: flag(p, 'fail-fast'),
      onPoint: (pt, status, detail) => {
        const text = startText(pt, sweep);
        if (status === 'failed')
          ctx.warn(`point ${pt.index} failed: ${detail instanceof Error ? detail.message : ''}`);
        else if (status === 'locked')
          ctx.warn(`point ${pt.index} is being run by another process; left to it`);
        jobLine(ctx, status, text);
      },
    },
  );
  ctx.result('', { out: res.out, points: res.points });
  return res.points.some((x) => x.status === 'failed') ? 1 : 0;
}
