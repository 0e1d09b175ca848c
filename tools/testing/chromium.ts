// Test helper shared by the report and CLI suites: open an HTML report in real headless Chromium
// (Debian package `chromium`, driven by playwright-core), with every non-file:// request blocked,
// and read back what each Vega view drew. Not published: tests import it by path.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** Where Chromium is (override with PRUNEKIT_CHROMIUM). */
export const CHROMIUM = process.env.PRUNEKIT_CHROMIUM ?? '/usr/bin/chromium';

/** The flags this machine's closed network needs (no background connections). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The data set name each built-in plot's view holds. */
export const PLOT_DATA: Readonly<Record<string, string>> = {
  'accuracy-density': 'accuracy',
  'sign-flips': 'flips',
  'layer-flips': 'layerFlips',
  'layer-density': 'layerDensity',
  'epoch-flips': 'epochFlips',
  'neuron-success': 'neuron',
};

/** What one plot drew. */
export interface PlotStats {
  readonly svg: number;
  readonly rows: number;
  readonly groups: number;
  readonly lines: number;
  readonly areas: number;
  readonly symbols: number;
  readonly rects: number;
}

/** What the page did. */
export interface ReportInspection {
  readonly ready: string | undefined;
  readonly stats: Record<string, PlotStats>;
  readonly errors: string[];
  readonly blocked: string[];
  readonly failed: string[];
}

// Browser globals used inside page.evaluate (no DOM lib in the tsconfig; types only).
interface Page {
  readonly document: {
    readonly body: { readonly dataset: Record<string, string | undefined> };
    getElementById(id: string): { querySelectorAll(selector: string): { readonly length: number } } | null;
  };
  readonly __prunekitViews: Record<string, { data(name: string): Record<string, unknown>[] }>;
}

/**
 * Open `html` in headless Chromium and report, per plot of `plots` (plot name → view data set),
 * how many SVGs, data rows, groups, lines, areas, symbols and rects it drew, plus console errors
 * and blocked/failed requests. Throws with the install command if Chromium is missing.
 */
export async function inspectReport(
  html: string,
  options: { plots?: Readonly<Record<string, string>>; screenshot?: string } = {},
): Promise<ReportInspection> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: this test needs a real browser. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (Debian), or set PRUNEKIT_CHROMIUM to its path.',
    );
  }
  const plots = options.plots ?? PLOT_DATA;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
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
    await page.goto(pathToFileURL(html).href);
    await page.waitForFunction(
      () => (globalThis as unknown as Page).document.body.dataset.ready !== 'pending',
      null,
      {
        timeout: 30_000,
      },
    );
    const ready = await page.evaluate(() => (globalThis as unknown as Page).document.body.dataset.ready);
    const stats = await page.evaluate((names) => {
      const { document, __prunekitViews: views } = globalThis as unknown as Page;
      const out: Record<string, PlotStats> = {};
      for (const [plot, data] of Object.entries(names)) {
        const el = document.getElementById(`vis-${plot}`);
        const view = views[plot];
        if (!el || !view) continue;
        const rows = view.data(data);
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
    }, plots);
    if (options.screenshot) {
      mkdirSync(dirname(options.screenshot), { recursive: true });
      await page.screenshot({ path: options.screenshot, fullPage: true });
    }
    return { ready, stats, errors, blocked, failed };
  } finally {
    await browser.close();
  }
}
