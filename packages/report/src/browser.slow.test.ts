// The report in a real headless Chromium (Debian package `chromium`), driven by playwright-core:
// no console errors, no network, every plot drawn with the expected series and points.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inspectReport } from '../../../tools/testing/chromium.js';
import { builtinPlots } from './registry.js';
import { writeFixtureRuns, writeFixtureStudy } from './testing/fixtures.js';
import { writeReport } from './write-report.js';

const ARTIFACTS = fileURLToPath(new URL('../../../artifacts/', import.meta.url));

describe('the HTML report in headless Chromium', () => {
  it('draws every plot offline, with the expected series and points, and no errors', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pk-report-browser-'));
    const result = await writeReport(writeFixtureRuns(join(root, 'runs')), {
      out: join(root, 'out', 'report.html'),
      title: 'IMP vs LRR (fixture)',
      studyDirs: [writeFixtureStudy(join(root, 'neuron'))],
    });
    expect(result.plots).toHaveLength(builtinPlots.length);

    const screenshot = join(ARTIFACTS, 'report-chromium.png');
    const { ready, stats, errors, blocked, failed } = await inspectReport(result.html, { screenshot });
    expect(ready).toBe('ok');
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

    expect(existsSync(screenshot)).toBe(true);
  }, 120_000);
});
