import { relative } from 'node:path';
import { neuronRatePoints, neuronSignPoints } from './aggregate.js';
import type { Plot, ReportData, VegaLiteSpec } from './plot.js';
import type { LibraryScript } from './plotting-library.js';
import type { Stats } from './stats.js';
import { groupSummaries, roundRows } from './tables.js';

/** What {@link renderHtml} puts on the page. */
export interface HtmlInput {
  readonly data: ReportData;
  /** Plots with their specs, in page order. */
  readonly plots: readonly { readonly plot: Plot; readonly spec: VegaLiteSpec }[];
  /** Plots left out because their data were empty. */
  readonly skipped: readonly Plot[];
  /** Browser builds to inline (see `plottingLibrary`). */
  readonly scripts: readonly LibraryScript[];
  /** Directory the HTML file is written to (run paths are shown relative to it). */
  readonly outDir: string;
}

/**
 * Escape text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * escapeHtml('<b>'); // '&#60;b&#62;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Make script text safe to inline in a `<script>` element. */
function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const pct = (x: number | undefined, digits = 2) => (x === undefined ? '–' : `${(100 * x).toFixed(digits)}%`);
const pctStats = (s: Stats | undefined, digits = 2) =>
  s === undefined ? '–' : s.n > 1 ? `${pct(s.mean, digits)} ± ${pct(s.std, digits)}` : pct(s.mean, digits);
const remaining = (density: number) => `${Number((100 * density).toPrecision(3))}%`;

/**
 * The report page: one self-contained HTML document with the plotting library and every spec
 * inline and a Content-Security-Policy that forbids all network access. Each plot is drawn into
 * `#vis-<name>`; the page sets `window.__prunekitViews[name]` to each Vega view and
 * `document.body.dataset.ready` to `ok` (or `errors`) when all are drawn.
 *
 * @example
 * ```ts
 * const html = renderHtml({ data, plots, skipped: [], scripts: plottingLibrary(), outDir: 'out' });
 * ```
 */
export function renderHtml(input: HtmlInput): string {
  const { data, plots, skipped, scripts, outDir } = input;
  const e = escapeHtml;
  const specs = Object.fromEntries(plots.map(({ plot, spec }) => [plot.name, spec]));
  const summaries = groupSummaries(data.groups);
  const libs = scripts.map((s) => `${s.name} ${s.version}`).join(', ');

  const summaryTable = data.groups.length
    ? `<table class="numbers"><thead><tr><th>run group</th><th>seeds</th><th>weights remaining per round</th>` +
      `<th>final round</th><th>final remaining</th><th>final test accuracy</th><th>final flips vs anchor</th><th>final flips vs previous</th></tr></thead><tbody>` +
      summaries
        .map(
          (s) =>
            `<tr><td>${e(s.group)}</td><td>${s.seeds.length} (${e(s.seeds.join(', '))})${s.finished < s.seeds.length ? ` <span class="note">${s.seeds.length - s.finished} unfinished</span>` : ''}</td>` +
            `<td>${s.densities.map(remaining).join(' → ') || '–'}</td><td>${s.final?.round ?? '–'}</td>` +
            `<td>${s.final ? remaining(s.final.density) : '–'}</td><td>${pctStats(s.final?.testAccuracy)}</td>` +
            `<td>${pctStats(s.final?.flipVsAnchor, 1)}</td><td>${pctStats(s.final?.flipVsPrevious, 1)}</td></tr>`,
        )
        .join('') +
      `</tbody></table>`
    : '<p class="note">No runs given.</p>';

  const rounds = roundRows(data.groups);
  const roundTable = rounds.length
    ? `<details><summary>Every round (${rounds.length} rows; also in report.csv)</summary><table class="numbers"><thead><tr>` +
      `<th>run group</th><th>round</th><th>seeds</th><th>remaining</th><th>test accuracy</th><th>flips vs anchor</th><th>flips vs previous</th><th>flips vs reference</th></tr></thead><tbody>` +
      rounds
        .map(
          (r) =>
            `<tr><td>${e(r.group)}</td><td>${r.round}</td><td>${r.seeds}</td><td>${remaining(r.density)}</td><td>${pctStats(r.testAccuracy)}</td>` +
            `<td>${pctStats(r.flipVsAnchor, 1)}</td><td>${pctStats(r.flipVsPrevious, 1)}</td><td>${pctStats(r.flipVsReference, 1)}</td></tr>`,
        )
        .join('') +
      `</tbody></table></details>`
    : '';

  const neuronRates = neuronRatePoints(data.studies);
  const neuronSigns = neuronSignPoints(data.studies);
  const neuronTable = neuronRates.length
    ? `<section id="neuron-numbers"><h2>One-neuron study: numbers</h2><table class="numbers"><thead><tr><th>study</th><th>d</th><th>method</th><th>success rate</th><th>seeds</th>` +
      `<th>w₁(0) &gt; 0</th><th>w₁ &gt; 0 after dense training</th></tr></thead><tbody>` +
      neuronRates
        .map((p) => {
          const s = neuronSigns.find((x) => x.study === p.study && x.d === p.d);
          return `<tr><td>${e(p.study)}</td><td>${p.d}</td><td>${e(p.method.toUpperCase())}</td><td>${pct(p.successRate, 1)}</td><td>${p.n}</td><td>${s ? pct(s.positiveAtInit, 1) : '–'}</td><td>${s ? pct(s.positiveAfterDense, 1) : '–'}</td></tr>`;
        })
        .join('') +
      `</tbody></table><p class="note">IMP can only succeed when w₁(0) &gt; 0; LRR when dense training made w₁ positive.</p></section>`
    : '';

  const runTable = data.runs.length
    ? `<details><summary>Runs (${data.runs.length})</summary><table class="numbers"><thead><tr><th>run group</th><th>seed</th><th>run id</th><th>directory</th><th>rounds</th><th>finished</th></tr></thead><tbody>` +
      data.groups
        .flatMap((g) =>
          g.runs.map(
            (r) =>
              `<tr><td>${e(g.label)}</td><td>${e(r.seed)}</td><td>${e(r.runId)}</td><td><code>${e(relative(outDir, r.dir) || '.')}</code></td><td>${r.rounds.length}</td><td>${r.finished ? 'yes' : 'no'}</td></tr>`,
          ),
        )
        .join('') +
      `</tbody></table></details>`
    : '';

  const sections = plots
    .map(
      ({ plot }) =>
        `<section class="plot" id="${e(plot.name)}"><h2>${e(plot.title)}</h2><p class="desc">${e(plot.description)}</p>` +
        `<div class="vis" id="vis-${e(plot.name)}" data-plot="${e(plot.name)}"></div>` +
        `<p class="files"><a href="plots/${e(plot.name)}.svg">plots/${e(plot.name)}.svg</a></p></section>`,
    )
    .join('\n');
  const skippedNote = skipped.length
    ? `<p class="note">Not shown (no data in these runs): ${skipped.map((p) => e(p.title)).join('; ')}.</p>`
    : '';
  const nav = plots.map(({ plot }) => `<a href="#${e(plot.name)}">${e(plot.title)}</a>`).join(' · ');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<meta name="generator" content="@prunekit/report (${e(libs)})">
<title>${e(data.title)}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .3rem; }
nav { margin: .5rem 0 1rem; } nav a { color: #245; }
.desc, .note, .files { color: #555; margin: .2rem 0 .6rem; } .files { font-size: 12px; }
.vis { overflow-x: auto; min-height: 40px; }
table.numbers { border-collapse: collapse; margin: .5rem 0; font-variant-numeric: tabular-nums; }
table.numbers th, table.numbers td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: left; vertical-align: top; }
table.numbers th { background: #f4f4f4; }
details { margin: 1rem 0; } summary { cursor: pointer; color: #245; }
code { font-size: 12px; }
</style>
</head>
<body data-ready="pending">
<h1>${e(data.title)}</h1>
<p class="note">${data.runs.length} run${data.runs.length === 1 ? '' : 's'} in ${data.groups.length} group${data.groups.length === 1 ? '' : 's'} (runs that differ only in seed form a group)${data.studies.length ? `, ${data.studies.length} one-neuron stud${data.studies.length === 1 ? 'y' : 'ies'}` : ''}. Drawn with ${e(libs)}, inlined: this file works offline.</p>
<nav>${nav}</nav>
<section id="numbers"><h2>Final numbers</h2>${summaryTable}${roundTable}${runTable}</section>
${sections}
${neuronTable}
${skippedNote}
${scripts.map((s) => `<script>/* ${s.name} ${s.version} */\n${inlineScript(s.code)}\n</script>`).join('\n')}
<script type="application/json" id="prunekit-specs">${JSON.stringify(specs).replace(/</g, '\\u003c')}</script>
<script>
(async () => {
  const specs = JSON.parse(document.getElementById('prunekit-specs').textContent);
  const views = (window.__prunekitViews = {});
  let failed = 0;
  for (const [name, spec] of Object.entries(specs)) {
    const el = document.getElementById('vis-' + name);
    try {
      const result = await vegaEmbed(el, spec, { mode: 'vega-lite', renderer: 'svg', actions: false });
      views[name] = result.view;
    } catch (err) {
      failed++;
      el.textContent = 'This plot could not be drawn: ' + err;
      console.error('prunekit report: plot ' + name + ' failed: ' + err);
    }
  }
  document.body.dataset.ready = failed ? 'errors' : 'ok';
})();
</script>
</body>
</html>
`;
}
