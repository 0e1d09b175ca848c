import { PruneError } from '@prunekit/core';
import {
  DATASET_SOURCES,
  DATA_DIR_ENV,
  type FetchableDataset,
  checkDataset,
  fetchDataset,
} from '@prunekit/datasets';
import { type Command, flag, str } from '../args.js';
import { table } from '../format.js';

const FETCHABLE = Object.keys(DATASET_SOURCES) as FetchableDataset[];

export const dataCommand: Command = {
  name: 'data',
  args: `fetch <${FETCHABLE.join('|')}> | check <dir>`,
  summary: 'download a dataset (checksums verified, resume-safe) or check what a data directory holds',
  details: [
    `fetch: downloads into --dir (default: $${DATA_DIR_ENV}, else ./data), verifies every SHA-256,`,
    'and extracts archives; files already there with the right checksum are not downloaded again.',
    'check: reads every file of each dataset found in the directory (magic numbers, lengths, counts,',
    'labels) and exits 2 when something is missing or malformed. Recipes find the data through',
    `dataset.options.dir or $${DATA_DIR_ENV}.`,
  ],
  options: {
    dir: {
      type: 'string',
      value: 'dir',
      description: `fetch: the data root (default: $${DATA_DIR_ENV}, else ./data)`,
    },
    'base-url': {
      type: 'string',
      value: 'url',
      description: 'fetch: a mirror (files are fetched from <url>/<file name>)',
    },
    'keep-archive': { type: 'boolean', description: 'fetch: keep downloaded archives after extracting' },
    deep: { type: 'boolean', description: 'check: decode every Tiny ImageNet image (slow)' },
  },
  examples: ['prunekit data fetch cifar10 --dir ./data', 'prunekit data check ./data'],
  positionals: [2, 2],
  async run(p, ctx) {
    const [action, arg] = p.positionals as [string, string];
    if (action === 'fetch') {
      if (!(FETCHABLE as string[]).includes(arg)) {
        throw new PruneError('E_USAGE', `unknown dataset '${arg}'; known: ${FETCHABLE.join(', ')}`, {
          hint: 'synthetic datasets (gaussian-mixture, teacher-neuron) need no download',
        });
      }
      const dir = str(p, 'dir') ?? ctx.io.env[DATA_DIR_ENV] ?? './data';
      const base = str(p, 'base-url');
      let lastPct = -1;
      const res = await fetchDataset(arg as FetchableDataset, {
        dir,
        ...(base ? { baseUrl: base } : {}),
        keepArchive: flag(p, 'keep-archive'),
        onProgress: (file, received, total) => {
          const pct = total ? Math.floor((100 * received) / total) : -1;
          if (pct !== lastPct && (pct % 10 === 0 || ctx.mode === 'tty')) {
            lastPct = pct;
            ctx.info(
              `${file}: ${(received / 2 ** 20).toFixed(1)} MiB${total ? ` of ${(total / 2 ** 20).toFixed(1)} MiB (${pct}%)` : ''}`,
            );
          }
        },
      });
      const what = res.alreadyPresent
        ? 'already present and valid'
        : `${res.downloaded.length} file(s) downloaded, ${res.reused.length} reused`;
      ctx.result(`${res.name}: ${what}\npath ${res.path}`, { ...res });
      return 0;
    }
    if (action === 'check') {
      const report = await checkDataset(arg, { deep: flag(p, 'deep') });
      if (!report.exists)
        throw new PruneError('E_USAGE', `${arg} does not exist or is not a directory`, { where: arg });
      if (report.empty || report.datasets.length === 0) {
        throw new PruneError('E_DATA', `${arg} holds no known dataset`, {
          hint: `fetch one with \`prunekit data fetch <${FETCHABLE.join('|')}> --dir ${arg}\``,
          where: arg,
        });
      }
      const rows = report.datasets.map((d) => [
        d.name,
        d.ok ? 'ok' : 'BROKEN',
        d.counts ? `${d.counts.train} / ${d.counts.test}` : '–',
        d.path,
      ]);
      const notes = report.datasets.flatMap((d) => [
        ...d.problems.map((x) => `${d.name}: ${x}`),
        ...(d.note ? [`${d.name}: ${d.note}`] : []),
      ]);
      ctx.result([table(['dataset', 'status', 'train / test', 'path'], rows), ...notes].join('\n'), {
        ...report,
      });
      const broken = report.datasets.filter((d) => !d.ok);
      if (broken.length) {
        throw new PruneError(
          'E_DATA',
          `${broken.map((d) => d.name).join(', ')} in ${arg} ${broken.length > 1 ? 'are' : 'is'} incomplete or malformed (see above)`,
          {
            hint: 'fetch it again with `prunekit data fetch <name> --dir <dir>`',
            where: arg,
          },
        );
      }
      return 0;
    }
    throw new PruneError('E_USAGE', `unknown action '${action}'; known: fetch, check`, {
      hint: 'e.g. prunekit data check ./data',
    });
  },
};
