import type { ReportData } from './plot.js';

/**
 * The Vega-Lite schema the built-in specs are written against (an identifier; nothing is fetched).
 *
 * @example
 * ```ts
 * const spec = { $schema: VEGA_LITE_SCHEMA, mark: 'bar' };
 * ```
 */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * Width and height of a single (unfaceted) plot, in pixels.
 *
 * @example
 * ```ts
 * const spec = { ...PLOT_SIZE, mark: 'line' };
 * ```
 */
export const PLOT_SIZE = { width: 560, height: 300 } as const;

/**
 * The colour channel for run groups: one fixed domain (the group labels in order) so a group has
 * the same colour in every plot.
 *
 * @example
 * ```ts
 * encoding: { color: groupColor(data) }
 * ```
 */
export function groupColor(data: ReportData) {
  return {
    field: 'group',
    type: 'nominal' as const,
    title: 'run group',
    scale: { domain: data.groups.map((g) => g.label) },
    legend: {
      orient: 'bottom' as const,
      direction: 'vertical' as const,
      labelLimit: 520,
      symbolType: 'stroke',
      symbolOpacity: 1,
      symbolStrokeWidth: 3,
    },
  };
}

/**
 * Tick values for a log axis of "percent of weights remaining": 100, 50, 20, 10, 5, 2, 1, …
 * down to the smallest value shown.
 *
 * @example
 * ```ts
 * percentTicks(3); // [100, 50, 20, 10, 5, 2]
 * ```
 */
export function percentTicks(min: number): number[] {
  const out: number[] = [];
  for (let decade = 100; decade >= 1e-6; decade /= 10) {
    for (const m of [1, 0.5, 0.2]) {
      const v = Number((decade * m).toPrecision(6));
      if (v <= 100 && v >= min * 0.999) out.push(v);
    }
  }
  return out;
}

/**
 * The `[low, high]` fields of a point for the chosen band.
 *
 * @example
 * ```ts
 * bandFields('std'); // ['low', 'high']
 * ```
 */
export function bandFields(band: ReportData['band']): [string, string] {
  return band === 'std' ? ['low', 'high'] : ['min', 'max'];
}

/**
 * The band's name for axis and tooltip text.
 *
 * @example
 * ```ts
 * bandName('minmax'); // 'min–max over seeds'
 * ```
 */
export function bandName(band: ReportData['band']): string {
  return band === 'std' ? 'mean ± std over seeds' : 'min–max over seeds';
}
