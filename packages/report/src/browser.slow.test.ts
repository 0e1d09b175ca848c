// The report in a real headless Chromium (Debian package `chromium`), driven by playwright-core:
// no console errors, no network, every plot drawn with the expected series and points.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { builtinPlots } from './registry.js';
import { writeFixtureRuns, writeFixtureStudy } from './testing/fixtures.js';
import { writeReport } from './write-report.js';

const CHROMIUM = process.env.PRUNEKIT_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = fileURLToPath(new URL('../../../artifacts/', import.meta.url));

// Browser globals used inside page.evaluate (the package's tsconfig has no DOM lib; types only).
interface Page {
  readonly document: {
    readonly body: { readonly dataset: Record<string, string | undefined> };
    getElementById(id: string): { querySelectorAll(selector: string): { readonly length: number } } | null;
  };
  readonly __prunekitViews: Record<string, { data(name: string): Record<string, unknown>[] }>;
}

interface PlotStats {
  readonly svg: number;
  readonly rows: number;
  readonly groups: number;
  readonly lines: number;
  readonly areas: number;
  readonly symbols: number;
  readonly rects: number;
}

describe('the HTML report in headless Chromium', () => {
  it('draws every plot offline, with the expected series and points, and no errors', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: this test needs a real browser. Install it with ` +
          '`apt-get update && apt-get install -y chromium` (Debian), or set PRUNEKIT_CHROMIUM to its path.',
      );
    }
    const root = mkdtempSync(join(tmpdir(), 'pk-report-browser-'));
    const result = await writeReport(writeFixtureRuns(join(root, 'runs')), {
      out: join(root, 'out', 'report.html'),
      title: 'IMP vs LRR (fixture)',
      studyDirs: [writeFixtureStudy(join(root, 'neuron'))],
    });
    expect(result.plots).toHaveLength(builtinPlots.length);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    try {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      const blocked: string[] = [];
      const failed: string[] = [];
      const errors: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file://')) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('requestfailed', (r) => failed.push(`${r.url()} (${r.failure()?.errorText})`));

      await page.goto(pathToFileURL(result.html).href);
      await page.waitForFunction(
        () => (globalThis as unknown as Page).document.body.dataset.ready !== 'pending',
        null,
        {
          timeout: 30_000,
        },
      );
      expect(await page.evaluate(() => (globalThis as unknown as Page).document.body.dataset.ready)).toBe(
        'ok',
      );

      const dataNames: Record<string, string> = {
        'accuracy-density': 'accuracy',
        'sign-flips': 'flips',
        'layer-flips': 'layerFlips',
        'layer-density': 'layerDensity',
        'epoch-flips': 'epochFlips',
        'neuron-success': 'neuron',
      };
      const stats = await page.evaluate((names) => {
        const { document, __prunekitViews: views } = globalThis as unknown as Page;
        const out: Record<string, PlotStats> = {};
        for (const [plot, data] of Object.entries(names)) {
          const el = document.getElementById(`vis-${plot}`)!;
          const rows = views[plot]!.data(data);
          const count = (sel: string) => el.querySelectorAll(sel).length;
          out[plot] = {
            svg: count('svg') + count('canvas'),
            rows: rows.length,
            groups: new Set(rows.map((r) => r.group ?? r.study)).size,
            lines: count('g.mark-line.role-mark path'),
            areas: count('g.mark-area.role-mark path'),
            symbols: count('g.mark-symbol.role-mark path'),
            rects: count('g.mark-rect.role-mark path'),
          };
        }
        return out;
      }, dataNames);

      // Accuracy vs density: 2 groups → 2 mean lines + 2 bands, 4 rounds each → 8 points.
      expect(stats['accuracy-density']).toMatchObject({
        svg: 1,
        rows: 8,
        groups: 2,
        lines: 2,
        areas: 2,
        symbols: 8,
      });
      // Sign flips: 2 groups × (vs anchor, vs previous) = 4 lines; 4 + 3 rounds each = 14 points.
      expect(stats['sign-flips']).toMatchObject({ svg: 1, rows: 14, groups: 2, lines: 4, symbols: 14 });
      // Heat maps: 2 groups × (4 rounds × 3 layers vs anchor + 3 × 3 vs previous) = 42 cells.
      expect(stats['layer-flips']).toMatchObject({ svg: 1, rows: 42, groups: 2, rects: 42 });
      // Layer density: 2 groups × 3 layers = 6 lines of 4 rounds.
      expect(stats['layer-density']).toMatchObject({ svg: 1, rows: 24, groups: 2, lines: 6, symbols: 24 });
      // Early switches: 4 round panels × 2 groups = 8 lines of 3 epochs.
      expect(stats['epoch-flips']).toMatchObject({ svg: 1, rows: 24, groups: 2, lines: 8, symbols: 24 });
      // One-neuron study: 3 d × (IMP, LRR) = 6 bars.
      expect(stats['neuron-success']).toMatchObject({ svg: 1, rows: 6, groups: 1, rects: 6 });

      expect(errors).toEqual([]);
      expect(blocked).toEqual([]);
      expect(failed).toEqual([]);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report-chromium.png'), fullPage: true });
      expect(existsSync(join(ARTIFACTS, 'report-chromium.png'))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
