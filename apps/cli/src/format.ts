import type { RoundMetrics, RunResult } from '@prunekit/experiment';
import { duration, pct } from './progress.js';

/** A plain text table: columns padded to their widest cell, numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) =>
      rows.length > 0 &&
      rows.every((r) => /^[-+]?[\d.,]+(%| s| B| KiB| MiB)?$|^–$|^[\d.]+% ± [\d.]+$/.test(r[i] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The per-round results of a run as a table (round, density, test accuracy, test loss, seconds). */
export function roundsTable(rounds: readonly RoundMetrics[]): string {
  return table(
    ['round', 'density', 'test acc', 'test loss', 'train loss', 'time'],
    rounds.map((r) => [
      String(r.round),
      pct(r.density),
      r.testAccuracy === undefined ? '–' : pct(r.testAccuracy),
      r.testLoss.toFixed(4),
      Number.isFinite(r.trainLoss) ? r.trainLoss.toFixed(4) : '–',
      r.seconds === undefined ? '–' : `${r.seconds.toFixed(1)} s`,
    ]),
  );
}

/** Two lines naming a finished run: its id and directory. */
export function runLines(r: RunResult): string {
  return `run ${r.runId}${r.skipped ? ' (already finished; nothing to do)' : ` (${duration(r.seconds)} on ${r.backend})`}\ndir ${r.dir}`;
}

/** A run result as JSON data (for `--json`). */
export function runData(r: RunResult): Record<string, unknown> {
  return {
    runId: r.runId,
    dir: r.dir,
    seconds: r.seconds,
    backend: r.backend,
    skipped: r.skipped === true,
    rounds: r.rounds,
  };
}
