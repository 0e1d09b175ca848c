import { openRun, resumeRun } from '@prunekit/experiment';
import { BACKEND_OPTION, type Command, str } from '../args.js';
import { roundsTable, runData, runLines } from '../format.js';

export const resumeCommand: Command = {
  name: 'resume',
  args: '<run-dir>',
  summary: 'continue an interrupted run from its last checkpoint (a finished run returns at once)',
  details: [
    'Runs checkpoint at the end of every epoch; the result is bit-identical to an uninterrupted run',
    'on the same backend.',
  ],
  options: { backend: BACKEND_OPTION },
  examples: ['prunekit resume runs/lenet-300-100.fashion-mnist.lr-rewind-3f9a0c1d2e'],
  positionals: [1, 1],
  async run(p, ctx) {
    openRun(p.positionals[0]!); // a missing or foreign directory fails here, before the backend starts
    await ctx.backend(str(p, 'backend'));
    const r = await resumeRun(p.positionals[0]!, { onEvent: ctx.events });
    if (!r.skipped) ctx.detail(roundsTable(r.rounds));
    ctx.result(runLines(r), { runs: [runData(r)] });
    return 0;
  },
};
