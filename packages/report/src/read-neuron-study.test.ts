import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrialsCsv, readNeuronStudy } from './read-neuron-study.js';
import { writeFixtureStudy } from './testing/fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'pk-report-study-'));
const HEADER = 'd,seed,method,sign_w1_init,sign_w1_dense,sign_w1_end,sign_a_init,sign_a_end,test_mse,success';

describe('readNeuronStudy', () => {
  it('reads the rates, options and per-seed rows', () => {
    const dir = writeFixtureStudy(join(tmp(), 'neuron'));
    const s = readNeuronStudy(dir);
    expect(s.label).toBe('neuron');
    expect(s.options.threshold).toBe(0.001);
    expect(s.rates).toEqual([
      { d: 1, method: 'imp', successRate: 0.5, n: 4 },
      { d: 1, method: 'lrr', successRate: 0.5, n: 4 },
      { d: 2, method: 'imp', successRate: 0.5, n: 4 },
      { d: 2, method: 'lrr', successRate: 0.75, n: 4 },
      { d: 5, method: 'imp', successRate: 0.25, n: 4 },
      { d: 5, method: 'lrr', successRate: 1, n: 4 },
    ]);
    expect(s.trials).toHaveLength(24);
    expect(s.trials[1]).toEqual({
      d: 1,
      seed: 0,
      method: 'lrr',
      signW1Init: 1,
      signW1Dense: 1,
      signW1End: 1,
      signAInit: 1,
      signAEnd: 1,
      testMse: 1e-5,
      success: true,
    });
  });

  it('works without the CSV', () => {
    const dir = writeFixtureStudy(join(tmp(), 'neuron'));
    rmSync(join(dir, 'neuron-study.csv'));
    expect(readNeuronStudy(dir).trials).toEqual([]);
  });

  it('E_REFERENCE for a missing directory or JSON file, E_DATA for bad contents', () => {
    const root = tmp();
    expect(() => readNeuronStudy(join(root, 'x'))).toThrow(
      /is not a one-neuron study directory \(it does not exist\)/,
    );
    mkdirSync(join(root, 'empty'));
    expect(() => readNeuronStudy(join(root, 'empty'))).toThrow(
      expect.objectContaining({
        code: 'E_REFERENCE',
        message: expect.stringMatching(/no neuron-study\.json/),
      }),
    );
    const dir = writeFixtureStudy(join(root, 'bad'));
    writeFileSync(
      join(dir, 'neuron-study.json'),
      JSON.stringify({ options: {}, rates: [{ d: 1, method: 'imp', successRate: 2, n: 4 }] }),
    );
    expect(() => readNeuronStudy(dir)).toThrow(
      expect.objectContaining({
        code: 'E_DATA',
        message: expect.stringMatching(/neuron-study\.json: bad neuron study .*rates\.0\.successRate/),
      }),
    );
  });
});

describe('parseTrialsCsv', () => {
  it('parses rows and names file:line on errors', () => {
    expect(parseTrialsCsv(`${HEADER}\n2,7,imp,-1,1,-1,1,1,0.25,0\n`, 'f.csv')).toEqual([
      {
        d: 2,
        seed: 7,
        method: 'imp',
        signW1Init: -1,
        signW1Dense: 1,
        signW1End: -1,
        signAInit: 1,
        signAEnd: 1,
        testMse: 0.25,
        success: false,
      },
    ]);
    expect(() => parseTrialsCsv('a,b\n', 'f.csv')).toThrow(/f\.csv:1: unexpected header 'a,b'/);
    expect(() => parseTrialsCsv(`${HEADER}\n1,2,imp\n`, 'f.csv')).toThrow(
      /f\.csv:2: expected 10 columns, got 3/,
    );
    expect(() => parseTrialsCsv(`${HEADER}\n\n1,2,imp,x,1,1,1,1,0.1,1\n`, 'f.csv')).toThrow(
      /f\.csv:3: sign_w1_init 'x' is not a number/,
    );
  });
});
