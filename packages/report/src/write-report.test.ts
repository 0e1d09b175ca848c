import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { groupRuns } from './group-runs.js';
import type { Plot, ReportData, VegaLiteSpec } from './plot.js';
import { plottingLibrary } from './plotting-library.js';
import { readNeuronStudy } from './read-neuron-study.js';
import { readRun } from './read-run.js';
import { builtinPlots, createPlotRegistry } from './registry.js';
import { renderSvg } from './render-svg.js';
import { percentTicks } from './spec-parts.js';
import { writeFixtureRuns, writeFixtureStudy } from './testing/fixtures.js';
import { writeReport } from './write-report.js';

const root = mkdtempSync(join(tmpdir(), 'pk-report-write-'));
const runDirs = writeFixtureRuns(join(root, 'runs'));
const studyDir = writeFixtureStudy(join(root, 'neuron'));
const runs = runDirs.map((d) => readRun(d));
const data: ReportData = {
  title: 't',
  runs,
  groups: groupRuns(runs),
  studies: [readNeuronStudy(studyDir)],
  band: 'minmax',
};

/** Compile a spec in Node and return its Vega view (run once), failing on any Vega-Lite warning. */
async function view(spec: VegaLiteSpec) {
  const warnings: string[] = [];
  const logger = {
    level: () => logger,
    warn: (...a: unknown[]) => {
      warnings.push(a.join(' '));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
    error: (...a: unknown[]) => {
      throw new Error(a.join(' '));
    },
  };
  const v = new vega.View(vega.parse(vl.compile(spec, { logger: logger as never }).spec), {
    renderer: 'none',
  });
  await v.runAsync();
  expect(warnings).toEqual([]);
  return v;
}

describe('built-in plots', () => {
  it('are registered by name, in page order', () => {
    expect(builtinPlots.map((p) => p.name)).toEqual([
      'accuracy-density',
      'sign-flips',
      'layer-flips',
      'layer-density',
      'epoch-flips',
      'neuron-success',
    ]);
    expect(createPlotRegistry().get('layer-flips').title).toBe('Sign flips per layer');
    expect(() => createPlotRegistry().get('acuracy-density')).toThrow(/did you mean 'accuracy-density'/);
  });

  it('compile without warnings and hold the expected rows', async () => {
    const counts: Record<string, [string, number]> = {
      'accuracy-density': ['accuracy', 8], // 2 groups × 4 rounds
      'sign-flips': ['flips', 14], // 2 × (4 vs anchor + 3 vs previous)
      'layer-flips': ['layerFlips', 42], // 2 × (4 × 3 + 3 × 3)
      'layer-density': ['layerDensity', 24], // 2 × 4 rounds × 3 layers
      'epoch-flips': ['epochFlips', 24], // 2 × 4 rounds × 3 epochs
      'neuron-success': ['neuron', 6], // 3 d × 2 methods
    };
    for (const plot of builtinPlots) {
      const spec = plot.spec(data)!;
      const [name, n] = counts[plot.name]!;
      expect((await view(spec)).data(name), plot.name).toHaveLength(n);
    }
  });

  it('accuracy-density: log x axis of percent remaining, reversed, ticks at the rounds; band fields follow the option', () => {
    const spec = builtinPlots[0]!.spec(data) as {
      encoding: { x: { scale: unknown; axis: { values: number[] } } };
      layer: { encoding: { y: { field: string }; y2?: { field: string } } }[];
    };
    expect(spec.encoding.x.scale).toEqual({ type: 'log', reverse: true, domain: [51.2, 100], nice: false });
    expect(spec.encoding.x.axis.values).toEqual([100, 80, 64, 51.2]);
    expect([spec.layer[0]!.encoding.y.field, spec.layer[0]!.encoding.y2!.field]).toEqual(['min', 'max']);
    const std = builtinPlots[0]!.spec({ ...data, band: 'std' }) as typeof spec;
    expect([std.layer[0]!.encoding.y.field, std.layer[0]!.encoding.y2!.field]).toEqual(['low', 'high']);
    expect(percentTicks(3)).toEqual([100, 50, 20, 10, 5]);
    expect(percentTicks(0.15)).toEqual([100, 50, 20, 10, 5, 2, 1, 0.5, 0.2]);
  });

  it('are left out when their data are empty', () => {
    const bare = runs.map((r) => ({ ...r, roundSigns: [], epochFlips: [] }));
    const d: ReportData = { ...data, runs: bare, groups: groupRuns(bare), studies: [] };
    expect(builtinPlots.filter((p) => p.spec(d) !== undefined).map((p) => p.name)).toEqual([
      'accuracy-density',
      'layer-density',
    ]);
  });

  it('render to standalone SVG in Node', async () => {
    const { svg, warnings } = await renderSvg(builtinPlots[1]!.spec(data)!, 'sign-flips');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('sign-flip fraction');
    expect(warnings).toEqual([]);
    // 2 groups × 2 comparisons = 4 line series, 2 of them dashed (vs previous round).
    const lines = svg.match(/<g class="mark-line role-mark[^>]*><path[^>]*>/g)!;
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.includes('stroke-dasharray="6,3"'))).toHaveLength(2);
    await expect(
      renderSvg(
        { mark: 'line', data: { values: [] }, encoding: { x: { field: 'a', type: 'nope' as never } } },
        'bad',
      ),
    ).rejects.toThrow(/plot 'bad' could not be rendered/);
  });
});

describe('plottingLibrary', () => {
  it('reads the installed browser builds of vega, vega-lite and vega-embed', () => {
    const libs = plottingLibrary();
    expect(libs.map((l) => l.name)).toEqual(['vega', 'vega-lite', 'vega-embed']);
    for (const l of libs) {
      expect(l.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(l.file).toMatch(/\.min\.js$/);
      expect(l.code.length).toBeGreaterThan(50_000);
    }
  });
});

describe('writeReport', () => {
  it('writes the HTML, one SVG per plot and the CSV files, atomically, and nothing else', async () => {
    const out = join(root, 'out', 'report.html');
    const r = await writeReport(runDirs, { out, title: 'IMP vs <LRR>', studyDirs: [studyDir] });
    expect(r.plots).toEqual(builtinPlots.map((p) => p.name));
    expect(r.skipped).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.groups.map((g) => g.label)).toEqual(['weight-rewind', 'lr-rewind']);
    expect(readdirSync(join(root, 'out')).sort()).toEqual([
      'plots',
      'report-neuron.csv',
      'report.csv',
      'report.html',
    ]);
    expect(readdirSync(join(root, 'out', 'plots')).sort()).toEqual(
      builtinPlots.map((p) => `${p.name}.svg`).sort(),
    );
    for (const f of r.svgs) expect(readFileSync(f, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    expect(readFileSync(r.csv[0]!, 'utf8').split('\n')).toHaveLength(10);

    const html = readFileSync(r.html, 'utf8');
    expect(html).toContain('<title>IMP vs &#60;LRR&#62;</title>');
    expect(html).toContain('Content-Security-Policy" content="default-src \'none\';');
    const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '<script></script>');
    expect(markup.length).toBeLessThan(40_000);
    expect(/<script[^>]+src=|<link[\s>]|<img[\s>]|<iframe|https?:/i.test(markup)).toBe(false);
    expect(html.match(/<script\b/g)).toHaveLength(5); // vega, vega-lite, vega-embed, the specs, the page script
    for (const l of plottingLibrary()) expect(html).toContain(`/* ${l.name} ${l.version} */`);
    for (const p of builtinPlots) expect(html).toContain(`<div class="vis" id="vis-${p.name}"`);
    expect(html).toContain(
      '<td>weight-rewind</td><td>2 (0, 1)</td><td>100% → 80% → 64% → 51.2%</td><td>3</td><td>51.2%</td><td>79.00% ± 1.41%</td>',
    );
    const specs = JSON.parse(
      /<script type="application\/json" id="prunekit-specs">(.*?)<\/script>/s.exec(html)![1]!,
    ) as Record<string, unknown>;
    expect(Object.keys(specs)).toEqual(r.plots);

    // Writing again replaces the files in place (no temp files left behind).
    await writeReport(runDirs, { out, studyDirs: [studyDir], svg: false });
    expect(readdirSync(join(root, 'out')).sort()).toEqual([
      'plots',
      'report-neuron.csv',
      'report.csv',
      'report.html',
    ]);
  });

  it('takes third-party plots and leaves out plots without data', async () => {
    const seconds: Plot = {
      name: 'round-seconds',
      title: 'Seconds per round',
      description: 'Training time per round.',
      spec: (d) => ({
        datasets: {
          seconds: d.runs.flatMap((r) =>
            r.rounds.map((x) => ({ run: r.runId, round: x.round, s: x.seconds ?? 0 })),
          ),
        },
        data: { name: 'seconds' },
        mark: 'line',
        encoding: {
          x: { field: 'round', type: 'ordinal' },
          y: { field: 's', type: 'quantitative' },
          color: { field: 'run', type: 'nominal' },
        },
      }),
    };
    const out = join(root, 'custom', 'r.html');
    const r = await writeReport(runDirs.slice(0, 2), {
      out,
      plots: [createPlotRegistry().get('neuron-success'), seconds],
    });
    expect(r.plots).toEqual(['round-seconds']);
    expect(r.skipped).toEqual(['neuron-success']);
    expect(r.groups).toHaveLength(1);
    expect(existsSync(join(root, 'custom', 'plots', 'round-seconds.svg'))).toBe(true);
    expect(existsSync(join(root, 'custom', 'report-neuron.csv'))).toBe(false);
    expect(readFileSync(out, 'utf8')).toContain(
      'Not shown (no data in these runs): One-neuron study: success rates.',
    );
  });

  it('a study alone is a report', async () => {
    const r = await writeReport([], { out: join(root, 'study-only', 'index.html'), studyDirs: [studyDir] });
    expect(r.plots).toEqual(['neuron-success']);
  });

  it('clear errors for bad input', async () => {
    await expect(writeReport([], { out: join(root, 'x.html') })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/nothing to report/),
    });
    await expect(
      writeReport([runDirs[0]!, `${runDirs[0]!}/`], { out: join(root, 'x.html') }),
    ).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/is given twice/),
    });
    await expect(
      writeReport(runDirs, { out: join(root, 'x.html'), plots: [{ ...builtinPlots[0]!, name: 'Bad Name' }] }),
    ).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/"Bad Name" is not a valid plot/),
    });
    await expect(
      writeReport(runDirs, { out: join(root, 'x.html'), plots: [builtinPlots[0]!, builtinPlots[0]!] }),
    ).rejects.toThrow(/listed twice/);
    await expect(writeReport([join(root, 'runs')], { out: join(root, 'x.html') })).rejects.toMatchObject({
      code: 'E_REFERENCE',
      message: expect.stringMatching(/runs is not a prunekit run directory \(no recipe\.json\)/),
    });
    await expect(
      writeReport(runDirs, { out: join(root, 'x.html'), studyDirs: [join(root, 'runs')] }),
    ).rejects.toMatchObject({ code: 'E_REFERENCE' });
    expect(existsSync(join(root, 'x.html'))).toBe(false);
  });
});
