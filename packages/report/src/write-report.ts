import { dirname, join, resolve } from 'node:path';
import { PruneError, writeFileAtomic } from '@prunekit/core';
import { type GroupOptions, type RunGroup, groupRuns } from './group-runs.js';
import { renderHtml } from './html.js';
import type { Plot, ReportData, VegaLiteSpec } from './plot.js';
import { plottingLibrary } from './plotting-library.js';
import { type NeuronStudyData, readNeuronStudy } from './read-neuron-study.js';
import { type RunData, readRun } from './read-run.js';
import { builtinPlots } from './registry.js';
import { renderSvg } from './render-svg.js';
import { neuronCsv, reportCsv } from './report-csv.js';

/** Options of {@link writeReport}. */
export interface ReportOptions {
  /** Path of the HTML file (default `report.html`); plots and CSV go next to it. */
  readonly out?: string;
  /** Page title (default `prunekit report`). */
  readonly title?: string;
  /** One-neuron study directories (`neuron-study.json` inside) to add. */
  readonly studyDirs?: readonly string[];
  /** The plots, in page order (default {@link builtinPlots}). */
  readonly plots?: readonly Plot[];
  /** The spread drawn around mean lines (default `minmax`). */
  readonly band?: ReportData['band'];
  /** Custom grouping (see `groupRuns`). */
  readonly label?: GroupOptions['label'];
  /** Also write `plots/<name>.svg` (default true). */
  readonly svg?: boolean;
}

/** What {@link writeReport} wrote. */
export interface ReportResult {
  /** Absolute path of the HTML file. */
  readonly html: string;
  /** Absolute paths of the SVG files, one per drawn plot. */
  readonly svgs: readonly string[];
  /** Absolute paths of the CSV files (`report.csv`, and `report-neuron.csv` with studies). */
  readonly csv: readonly string[];
  /** The run groups, as shown. */
  readonly groups: readonly RunGroup[];
  /** Names of the plots drawn, and of those left out for lack of data. */
  readonly plots: readonly string[];
  readonly skipped: readonly string[];
  /** Vega-Lite warnings while compiling the specs, as `plot: message`. */
  readonly warnings: readonly string[];
}

const PLOT_NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Write an HTML report comparing runs: one self-contained file (the plotting library and all
 * data inline; it loads nothing from the network), the plots as standalone SVG files in
 * `<out-dir>/plots/`, and the numbers as `<out-dir>/report.csv` (plus `report-neuron.csv` with
 * studies). Runs that differ only in seed are grouped into one line (mean over seeds, with a
 * band). Every file is written atomically.
 *
 * Errors: `E_USAGE` for nothing to report, a run given twice or a bad plot name; `E_REFERENCE`
 * for a directory that is not a run or study; `E_DATA` for a malformed file (naming it).
 *
 * @example
 * ```ts
 * await writeReport(['runs/imp-3f9a', 'runs/imp-77c1', 'runs/lrr-1c0c', 'runs/lrr-9e02'], {
 *   out: 'report/index.html',
 *   title: 'IMP vs LRR on LeNet-300-100',
 *   studyDirs: ['studies/neuron'],
 * });
 * ```
 */
export async function writeReport(
  runDirs: readonly string[],
  options: ReportOptions = {},
): Promise<ReportResult> {
  const studyDirs = options.studyDirs ?? [];
  if (runDirs.length === 0 && studyDirs.length === 0) {
    throw new PruneError('E_USAGE', 'nothing to report: no run directories and no study directories given', {
      hint: 'pass run directories (e.g. runs/<run-id>), or use findRunDirs("runs")',
    });
  }
  const seen = new Set<string>();
  for (const d of runDirs) {
    const abs = resolve(d);
    if (seen.has(abs)) throw new PruneError('E_USAGE', `run directory ${d} is given twice`, { where: d });
    seen.add(abs);
  }
  const plots = options.plots ?? builtinPlots;
  const names = new Set<string>();
  for (const p of plots) {
    if (typeof p?.name !== 'string' || !PLOT_NAME.test(p.name) || typeof p.spec !== 'function') {
      throw new PruneError('E_USAGE', `plot ${JSON.stringify(p?.name)} is not a valid plot`, {
        hint: 'a plot is { name (lower-case letters, digits, dashes), title, description, spec(data) }',
      });
    }
    if (names.has(p.name)) throw new PruneError('E_USAGE', `plot '${p.name}' is listed twice`);
    names.add(p.name);
  }

  const runs: RunData[] = runDirs.map((d) => readRun(d));
  const studies: NeuronStudyData[] = studyDirs.map((d) => readNeuronStudy(d));
  const groups = groupRuns(runs, options.label ? { label: options.label } : {});
  const data: ReportData = {
    title: options.title ?? 'prunekit report',
    runs,
    groups,
    studies,
    band: options.band ?? 'minmax',
  };

  const drawn: { plot: Plot; spec: VegaLiteSpec }[] = [];
  const skipped: Plot[] = [];
  for (const plot of plots) {
    const spec = plot.spec(data);
    if (spec) drawn.push({ plot, spec });
    else skipped.push(plot);
  }

  const html = resolve(options.out ?? 'report.html');
  const outDir = dirname(html);
  const svgs: string[] = [];
  const warnings: string[] = [];
  for (const { plot, spec } of drawn) {
    const r = await renderSvg(spec, plot.name);
    warnings.push(...r.warnings.map((w) => `${plot.name}: ${w}`));
    if (options.svg === false) continue;
    const path = join(outDir, 'plots', `${plot.name}.svg`);
    writeFileAtomic(path, r.svg);
    svgs.push(path);
  }
  const csv = [join(outDir, 'report.csv')];
  writeFileAtomic(csv[0]!, reportCsv(groups));
  if (studies.length) {
    csv.push(join(outDir, 'report-neuron.csv'));
    writeFileAtomic(csv[1]!, neuronCsv(studies));
  }
  writeFileAtomic(html, renderHtml({ data, plots: drawn, skipped, scripts: plottingLibrary(), outDir }));
  return {
    html,
    svgs,
    csv,
    groups,
    plots: drawn.map((d) => d.plot.name),
    skipped: skipped.map((p) => p.name),
    warnings,
  };
}
