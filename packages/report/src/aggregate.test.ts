import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  densityPoints,
  epochFlipPoints,
  flipPoints,
  hasMetric,
  layerDensityCells,
  layerFlipCells,
  neuronRatePoints,
  neuronSignPoints,
} from './aggregate.js';
import { groupRuns } from './group-runs.js';
import { readNeuronStudy } from './read-neuron-study.js';
import { readRun } from './read-run.js';
import { csvCell, neuronCsv, reportCsv } from './report-csv.js';
import { summarize } from './stats.js';
import { groupSummaries, roundRows } from './tables.js';
import { writeFixtureRuns, writeFixtureStudy } from './testing/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'pk-report-agg-'));
const groups = groupRuns(writeFixtureRuns(join(root, 'runs')).map((d) => readRun(d)));
const studies = [readNeuronStudy(writeFixtureStudy(join(root, 'neuron')))];
const SQRT2 = Math.SQRT2;

describe('summarize', () => {
  it('mean, sample std, min, max over the finite values', () => {
    const s = summarize([0.8, 0.9])!;
    expect(s.mean).toBeCloseTo(0.85, 12);
    expect(s.std).toBeCloseTo(0.1 / SQRT2, 12); // sqrt((0.05² + 0.05²) / 1)
    expect([s.min, s.max, s.n]).toEqual([0.8, 0.9, 2]);
    const t = summarize([1, 2, 3, 4, Number.NaN, undefined, Number.POSITIVE_INFINITY])!;
    expect([t.mean, t.n]).toEqual([2.5, 4]);
    expect(t.std).toBeCloseTo(Math.sqrt(5 / 3), 12); // (2.25 + 0.25 + 0.25 + 2.25) / 3
    expect(summarize([7])).toEqual({ mean: 7, std: 0, min: 7, max: 7, n: 1 });
    expect(summarize([undefined, Number.NaN])).toBeUndefined();
  });
});

describe('densityPoints (accuracy vs % remaining, log axis)', () => {
  it('mean and spread over the two seeds of each group, per round', () => {
    const pts = densityPoints(groups);
    expect(pts).toHaveLength(8);
    expect(pts.map((p) => [p.group, p.round, p.percent])).toEqual([
      ['weight-rewind', 0, 100],
      ['weight-rewind', 1, 80],
      ['weight-rewind', 2, 64],
      ['weight-rewind', 3, 51.2],
      ['lr-rewind', 0, 100],
      ['lr-rewind', 1, 80],
      ['lr-rewind', 2, 64],
      ['lr-rewind', 3, 51.2],
    ]);
    // IMP round 1: seeds 0.88 and 0.86.
    const imp1 = pts[1]!;
    expect(imp1.mean).toBeCloseTo(0.87, 12);
    expect(imp1.std).toBeCloseTo(0.02 / SQRT2, 12);
    expect([imp1.min, imp1.max, imp1.n]).toEqual([0.86, 0.88, 2]);
    expect(imp1.low).toBeCloseTo(0.87 - 0.02 / SQRT2, 12);
    expect(imp1.high).toBeCloseTo(0.87 + 0.02 / SQRT2, 12);
    // LRR round 0: 0.90 and 0.91; round 3: 0.89 and 0.87.
    expect(pts[4]!.mean).toBeCloseTo(0.905, 12);
    expect(pts[4]!.std).toBeCloseTo(0.01 / SQRT2, 12);
    expect(pts[7]!.mean).toBeCloseTo(0.88, 12);
    expect(pts.every((p) => p.percent > 0 && p.density === p.percent / 100)).toBe(true);
  });

  it('leaves out density 0 (no place on a log axis) and rounds without the metric', () => {
    const run = {
      ...groups[0]!.runs[0]!,
      rounds: [
        { round: 0, density: 0, testAccuracy: 0.1, layerDensity: {} },
        { round: 1, density: 0.5, layerDensity: {} },
      ],
    };
    expect(densityPoints([{ key: 'k', label: 'g', runs: [run] }])).toEqual([]);
    expect(hasMetric(groups, 'testAccuracy')).toBe(true);
    expect(hasMetric(groups, 'validationAccuracy')).toBe(false);
    expect(densityPoints(groups, 'testLoss')[0]!.mean).toBeCloseTo(0.4, 12);
  });
});

describe('flipPoints', () => {
  it('vs anchor for every round, vs previous from round 1, means over seeds', () => {
    const pts = flipPoints(groups);
    expect(pts).toHaveLength(14); // 2 groups × (4 vs anchor + 3 vs previous)
    const imp = (c: string) => pts.filter((p) => p.group === 'weight-rewind' && p.comparison === c);
    expect(imp('vs anchor').map((p) => p.round)).toEqual([0, 1, 2, 3]);
    [0.1, 0.11, 0.13, 0.18].forEach((m, i) => {
      expect(imp('vs anchor')[i]!.mean).toBeCloseTo(m, 12);
    });
    expect(imp('vs previous round').map((p) => p.round)).toEqual([1, 2, 3]);
    [0.07, 0.06, 0.05].forEach((m, i) => {
      expect(imp('vs previous round')[i]!.mean).toBeCloseTo(m, 12);
    });
    expect(imp('vs anchor')[3]!.std).toBeCloseTo(0.04 / SQRT2, 12);
    expect(pts.some((p) => p.comparison === 'vs reference')).toBe(false);
  });
});

describe('heat-map cells', () => {
  it('per-layer flips: one cell per group × round × layer, mean over seeds, layers in model order', () => {
    const anchor = layerFlipCells(groups);
    expect(anchor).toHaveLength(2 * 4 * 3);
    const cell = (g: string, r: number, l: string) =>
      anchor.find((c) => c.group === g && c.round === r && c.layer === l)!;
    // anchorLayers = [a, a/2, 0.05·round]; IMP round 3: a = 0.16 and 0.20.
    expect(cell('weight-rewind', 3, 'fc1/kernel').value).toBeCloseTo(0.18, 12);
    expect(cell('weight-rewind', 3, 'fc2/kernel').value).toBeCloseTo(0.09, 12);
    expect(cell('weight-rewind', 3, 'out/kernel').value).toBeCloseTo(0.15, 12);
    expect(cell('lr-rewind', 1, 'fc1/kernel').value).toBeCloseTo(0.29, 12);
    expect(anchor.slice(0, 3).map((c) => [c.layer, c.layerIndex, c.comparison, c.n])).toEqual([
      ['fc1/kernel', 0, 'vs anchor', 2],
      ['fc2/kernel', 1, 'vs anchor', 2],
      ['out/kernel', 2, 'vs anchor', 2],
    ]);
    const prev = layerFlipCells(groups, 'vs previous round');
    expect(prev).toHaveLength(2 * 3 * 3); // no previous round at round 0
    expect(
      prev.find((c) => c.group === 'lr-rewind' && c.round === 3 && c.layer === 'out/kernel')!.value,
    ).toBeCloseTo(0.015, 12);
  });

  it('per-layer density: one cell per group × round × layer', () => {
    const cells = layerDensityCells(groups);
    expect(cells).toHaveLength(24);
    expect(
      cells.filter((c) => c.group === 'lr-rewind' && c.round === 1).map((c) => [c.layer, c.value]),
    ).toEqual([
      ['fc1/kernel', 0.78],
      ['fc2/kernel', 0.85],
      ['out/kernel', 0.9],
    ]);
  });
});

describe('epochFlipPoints', () => {
  it('mean flip fraction per round and epoch', () => {
    const pts = epochFlipPoints(groups);
    expect(pts).toHaveLength(2 * 4 * 3);
    const imp = pts.filter((p) => p.group === 'weight-rewind' && p.round === 2);
    expect(imp.map((p) => p.epoch)).toEqual([1, 2, 3]);
    // seed 0: 0.03, 0.02, 0.01; seed 1: twice that.
    [0.045, 0.03, 0.015].forEach((m, i) => {
      expect(imp[i]!.mean).toBeCloseTo(m, 12);
    });
    expect(pts.find((p) => p.group === 'lr-rewind' && p.epoch === 1)!.mean).toBeCloseTo(0.09, 12);
  });
});

describe('one-neuron study', () => {
  it('rates per d and method, and sign shares per d counting each seed once', () => {
    expect(neuronRatePoints(studies).map((p) => [p.d, p.method, p.successRate])).toEqual([
      [1, 'imp', 0.5],
      [1, 'lrr', 0.5],
      [2, 'imp', 0.5],
      [2, 'lrr', 0.75],
      [5, 'imp', 0.25],
      [5, 'lrr', 1],
    ]);
    expect(neuronSignPoints(studies)).toEqual([
      { study: 'neuron', d: 1, positiveAtInit: 0.5, positiveAfterDense: 0.5, n: 4 },
      { study: 'neuron', d: 2, positiveAtInit: 0.5, positiveAfterDense: 0.75, n: 4 },
      { study: 'neuron', d: 5, positiveAtInit: 0.25, positiveAfterDense: 1, n: 4 },
    ]);
  });
});

describe('tables and CSV', () => {
  it('group summaries: densities per round and the last round', () => {
    const s = groupSummaries(groups);
    expect(s.map((x) => [x.group, x.seeds, x.finished, x.densities])).toEqual([
      ['weight-rewind', ['0', '1'], 2, [1, 0.8, 0.64, 0.512]],
      ['lr-rewind', ['0', '1'], 2, [1, 0.8, 0.64, 0.512]],
    ]);
    expect(s[0]!.final!.round).toBe(3);
    expect(s[0]!.final!.testAccuracy!.mean).toBeCloseTo(0.79, 12);
    expect(s[1]!.final!.flipVsPrevious!.mean).toBeCloseTo(0.015, 12);
    expect(roundRows(groups)).toHaveLength(8);
  });

  it('report.csv: one row per group and round, 8 significant digits, blanks for missing values', () => {
    const lines = reportCsv(groups).trimEnd().split('\n');
    expect(lines).toHaveLength(9);
    expect(lines[0]).toBe(
      'group,round,seeds,density,percent_remaining,test_accuracy_mean,test_accuracy_std,test_accuracy_min,test_accuracy_max,test_loss_mean,test_loss_std,flip_vs_anchor_mean,flip_vs_anchor_std,flip_vs_previous_mean,flip_vs_previous_std,flip_vs_reference_mean',
    );
    expect(lines[1]).toBe('weight-rewind,0,2,1,100,0.91,0.014142136,0.9,0.92,0.4,0,0.1,0,,,');
    expect(lines[8]).toBe(
      'lr-rewind,3,2,0.512,51.2,0.88,0.014142136,0.87,0.89,0.43,0,0.39,0.014142136,0.015,0.0070710678,',
    );
  });

  it('quotes text cells that need it; neuron CSV', () => {
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(1 / 3)).toBe('0.33333333');
    expect(neuronCsv(studies).split('\n').slice(0, 3)).toEqual([
      'study,d,method,success_rate,seeds,w1_positive_at_init,w1_positive_after_dense',
      'neuron,1,imp,0.5,4,0.5,0.5',
      'neuron,1,lrr,0.5,4,0.5,0.5',
    ]);
  });
});
