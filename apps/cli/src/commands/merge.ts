import { type ReplicateGroup, type Stat, mergeRuns } from '@prunekit/experiment';
import { type Command, str } from '../args.js';
import { table } from '../format.js';
import { pct } from '../progress.js';

export const mergeCommand: Command = {
  name: 'merge',
  args: '<dir…>',
  summary: 'gather the results of many runs (run directories or their parents) into one table',
  details: [
    'Prints, per group of replicates (runs that differ only in their seeds) and round, the density',
    'and the test accuracy as mean ± standard deviation. With --out writes merged.jsonl/.csv (one',
    'row per run and round) and replicates.jsonl/.csv there.',
  ],
  options: {
    out: {
      type: 'string',
      value: 'dir',
      description: 'write merged.csv, merged.jsonl, replicates.csv, replicates.jsonl here',
    },
  },
  examples: ['prunekit merge runs --out results', 'prunekit merge runs/lrr-3f9a0c1d2e runs/imp-5b2e61d0aa'],
  positionals: [1, Number.POSITIVE_INFINITY],
  async run(p, ctx) {
    const out = str(p, 'out');
    const res = mergeRuns(p.positionals, out ? { out } : {});
    if (res.files) ctx.info(`wrote ${Object.values(res.files).join(', ')}`);
    ctx.info(
      `${res.runs.length} run${res.runs.length === 1 ? '' : 's'} (${res.runs.filter((r) => !r.finished).length} unfinished), ${res.groups.length} group${res.groups.length === 1 ? '' : 's'}`,
    );
    ctx.result(groupsTable(res.groups), {
      runs: res.runs.map((r) => ({ runId: r.runId, dir: r.dir, finished: r.finished, rounds: r.rounds })),
      groups: res.groups,
      files: res.files ?? null,
    });
    return 0;
  },
};

/** Replicate groups as a table: method, grid values, round, density, test accuracy mean ± std (n). */
export function groupsTable(groups: readonly ReplicateGroup[]): string {
  const ms = (s: Stat | undefined) =>
    s === undefined
      ? '–'
      : s.n > 1
        ? `${(s.mean * 100).toFixed(2)}% ± ${(s.std * 100).toFixed(2)}`
        : pct(s.mean);
  const rows = groups.flatMap((g) =>
    g.rounds.map((r) => [
      g.name ?? g.preset ?? g.variant,
      Object.entries(g.label)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' '),
      String(r.round),
      pct(r.density.mean),
      ms(r.testAccuracy),
      String(r.n),
    ]),
  );
  const header = ['method', 'grid', 'round', 'density', 'test acc', 'n'];
  const hasLabels = rows.some((r) => r[1]);
  return table(
    hasLabels ? header : header.filter((h) => h !== 'grid'),
    hasLabels ? rows : rows.map((r) => r.filter((_, i) => i !== 1)),
  );
}
