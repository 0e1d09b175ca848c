export { writeReport, type ReportOptions, type ReportResult } from './write-report.js';
export {
  readRun,
  findRunDirs,
  seedLabel,
  RUN_FILE_NAMES,
  type RunData,
  type RoundRecord,
  type EpochRecord,
  type RoundSignsRecord,
  type EpochFlipsRecord,
  type RewindRecord,
  type PerturbationRecord,
  type FlipSummary,
} from './read-run.js';
export {
  readNeuronStudy,
  parseTrialsCsv,
  STUDY_FILE_NAMES,
  type NeuronStudyData,
  type NeuronRate,
  type NeuronTrialRow,
} from './read-neuron-study.js';
export {
  groupRuns,
  groupKey,
  canonicalJson,
  SEED_FIELDS,
  type RunGroup,
  type GroupOptions,
} from './group-runs.js';
export { summarize, type Stats } from './stats.js';
export {
  densityPoints,
  hasMetric,
  flipPoints,
  layerFlipCells,
  layerDensityCells,
  epochFlipPoints,
  neuronRatePoints,
  neuronSignPoints,
  type RoundMetric,
  type DensityPoint,
  type FlipComparison,
  type FlipPoint,
  type LayerCell,
  type LayerFlipCell,
  type EpochFlipPoint,
  type NeuronRatePoint,
  type NeuronSignPoint,
} from './aggregate.js';
export { roundRows, groupSummaries, type RoundRow, type GroupSummary } from './tables.js';
export { reportCsv, neuronCsv, csvCell, REPORT_CSV_COLUMNS, NEURON_CSV_COLUMNS } from './report-csv.js';
export type { Plot, ReportData, VegaLiteSpec } from './plot.js';
export { builtinPlots, createPlotRegistry } from './registry.js';
export { accuracyDensity } from './plots/accuracy-density.js';
export { signFlips } from './plots/sign-flips.js';
export { layerFlips } from './plots/layer-flips.js';
export { layerDensity } from './plots/layer-density.js';
export { epochFlips } from './plots/epoch-flips.js';
export { neuronSuccess } from './plots/neuron-success.js';
export { groupColor, percentTicks, bandFields, bandName, VEGA_LITE_SCHEMA, PLOT_SIZE } from './spec-parts.js';
export { renderSvg, type RenderedSvg } from './render-svg.js';
export { renderHtml, escapeHtml, type HtmlInput } from './html.js';
export { plottingLibrary, type LibraryScript } from './plotting-library.js';
export { readJsonlLines, readJsonFile, validate, type JsonlLine } from './files.js';
