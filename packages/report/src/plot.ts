import type { TopLevelSpec } from 'vega-lite';
import type { RunGroup } from './group-runs.js';
import type { NeuronStudyData } from './read-neuron-study.js';
import type { RunData } from './read-run.js';

/** A Vega-Lite specification (what a {@link Plot} returns). */
export type VegaLiteSpec = TopLevelSpec;

/** What plots are drawn from: the runs, grouped by recipe without seed, and the studies. */
export interface ReportData {
  readonly title: string;
  /** Every run, in the order given. */
  readonly runs: readonly RunData[];
  /** Runs that differ only in seed, in order of first appearance. */
  readonly groups: readonly RunGroup[];
  readonly studies: readonly NeuronStudyData[];
  /** The spread drawn around mean lines: min–max over seeds, or mean ± sample std. */
  readonly band: 'minmax' | 'std';
}

/**
 * A plot of the report: a plain object that turns the report's data into a Vega-Lite spec with
 * its data inline (`datasets` + `data: {name}`), so the HTML page and the standalone SVG draw the
 * same thing. Register your own in the `plots` option of `writeReport`.
 *
 * @example
 * ```ts
 * const rounds: Plot = {
 *   name: 'round-seconds',
 *   title: 'Seconds per round',
 *   description: 'Wall-clock training time of each round, mean over seeds.',
 *   spec: (data) => ({
 *     datasets: { seconds: data.runs.flatMap((r) => r.rounds.map((x) => ({ run: r.runId, round: x.round, s: x.seconds }))) },
 *     data: { name: 'seconds' },
 *     mark: 'line',
 *     encoding: { x: { field: 'round', type: 'ordinal' }, y: { field: 's', type: 'quantitative' }, color: { field: 'run' } },
 *   }),
 * };
 * ```
 */
export interface Plot {
  /** Registry name, kebab-case; also the SVG file name (`plots/<name>.svg`) and the HTML anchor. */
  readonly name: string;
  /** Heading shown above the plot. */
  readonly title: string;
  /** One or two sentences under the heading: what the plot shows and how to read it. */
  readonly description: string;
  /** The spec, or `undefined` when the data hold nothing to draw (the plot is then left out). */
  spec(data: ReportData): VegaLiteSpec | undefined;
}
