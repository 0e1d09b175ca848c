import { findRunDirs } from '@prunekit/experiment';
import { writeReport } from '@prunekit/report';
import { type Command, str, strs } from '../args.js';

export const reportCommand: Command = {
  name: 'report',
  args: '<run-dir…>',
  summary: 'write a self-contained HTML report comparing runs (accuracy vs density, sign flips, …)',
  details: [
    'Pass run directories or their parents. Runs that differ only in seed are drawn as one line',
    '(mean, with a band). Plots are also written as SVG files next to the HTML, the numbers as CSV.',
    'Add one-neuron studies (directories with neuron-study.json, e.g. from `prunekit demo`) with --study.',
  ],
  options: {
    out: { type: 'string', value: 'file', description: 'the HTML file (default: report.html)' },
    study: {
      type: 'string',
      multiple: true,
      value: 'dir',
      description: 'a one-neuron study directory to add',
    },
    title: { type: 'string', value: 'text', description: 'page title' },
  },
  examples: [
    'prunekit report runs --out report/index.html',
    'prunekit report prunekit-demo/runs --study prunekit-demo/neuron-study',
  ],
  positionals: [0, Number.POSITIVE_INFINITY],
  async run(p, ctx) {
    const studies = strs(p, 'study');
    const dirs = p.positionals.length ? findRunDirs(p.positionals) : [];
    const title = str(p, 'title');
    const res = await writeReport(dirs, {
      out: str(p, 'out') ?? 'report.html',
      studyDirs: studies,
      ...(title ? { title } : {}),
    });
    for (const w of res.warnings) ctx.warn(w);
    if (res.skipped.length) ctx.info(`plots left out for lack of data: ${res.skipped.join(', ')}`);
    ctx.info(
      `${dirs.length} run${dirs.length === 1 ? '' : 's'} in ${res.groups.length} group${res.groups.length === 1 ? '' : 's'}; plots: ${res.plots.join(', ') || 'none'}`,
    );
    ctx.result(`report ${res.html}`, {
      html: res.html,
      svgs: res.svgs,
      csv: res.csv,
      plots: res.plots,
      skipped: res.skipped,
    });
    return 0;
  },
};
