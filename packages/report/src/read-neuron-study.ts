import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { PruneError } from '@prunekit/core';
import { z } from 'zod';
import { isDirectory, readJsonFile, readText, validate } from './files.js';

/**
 * The files of a one-neuron study directory (written by `runNeuronStudy` of `@prunekit/experiment`).
 *
 * @example
 * ```ts
 * join(dir, STUDY_FILE_NAMES.json); // '<dir>/neuron-study.json'
 * ```
 */
export const STUDY_FILE_NAMES = { json: 'neuron-study.json', csv: 'neuron-study.csv' } as const;

/** Success rate of one method at one input dimension d. */
export interface NeuronRate {
  readonly d: number;
  /** `imp` or `lrr` (other names are kept as written). */
  readonly method: string;
  /** Fraction of seeds whose final test MSE is below the threshold. */
  readonly successRate: number;
  /** Seeds. */
  readonly n: number;
}

/** One row of `neuron-study.csv`: one seed, one method. Signs are −1, 0 or 1. */
export interface NeuronTrialRow {
  readonly d: number;
  readonly seed: number;
  readonly method: string;
  readonly signW1Init: number;
  readonly signW1Dense: number;
  readonly signW1End: number;
  readonly signAInit: number;
  readonly signAEnd: number;
  readonly testMse: number;
  readonly success: boolean;
}

/** A one-neuron study as a report uses it. */
export interface NeuronStudyData {
  /** Absolute path of the study directory. */
  readonly dir: string;
  /** Name shown in the report: the directory's base name. */
  readonly label: string;
  /** The study's options (dims, seeds, init, threshold, …), as stored. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly rates: readonly NeuronRate[];
  /** Per-seed rows from `neuron-study.csv`; empty when that file is absent. */
  readonly trials: readonly NeuronTrialRow[];
}

const studySchema = z.object({
  options: z.record(z.string(), z.unknown()).default({}),
  rates: z
    .array(
      z.object({
        d: z.number().int().positive(),
        method: z.string().min(1),
        successRate: z.number().min(0).max(1),
        n: z.number().int().nonnegative(),
      }),
    )
    .min(1),
});

const CSV_HEADER =
  'd,seed,method,sign_w1_init,sign_w1_dense,sign_w1_end,sign_a_init,sign_a_end,test_mse,success';

/**
 * Read a one-neuron study directory: `neuron-study.json` (required: options and success rates)
 * and `neuron-study.csv` (optional: one row per seed and method).
 *
 * Errors: `E_REFERENCE` when the directory or its `neuron-study.json` is missing; `E_DATA` for a
 * malformed file (naming `file:line` and the field).
 *
 * @example
 * ```ts
 * const study = readNeuronStudy('studies/neuron');
 * study.rates.filter((r) => r.method === 'lrr');
 * ```
 */
export function readNeuronStudy(dir: string): NeuronStudyData {
  const abs = resolve(dir);
  const jsonPath = join(abs, STUDY_FILE_NAMES.json);
  if (!isDirectory(abs) || !existsSync(jsonPath)) {
    throw new PruneError(
      'E_REFERENCE',
      `${dir} is not a one-neuron study directory (${isDirectory(abs) ? `no ${STUDY_FILE_NAMES.json}` : 'it does not exist'})`,
      {
        hint: 'pass the directory given as `out` to runNeuronStudy (or `prunekit study neuron --out`)',
        where: dir,
      },
    );
  }
  const study = validate(studySchema, readJsonFile(jsonPath), jsonPath, 'neuron study ({options, rates})');
  const csvPath = join(abs, STUDY_FILE_NAMES.csv);
  const trials = existsSync(csvPath) ? parseTrialsCsv(readText(csvPath), csvPath) : [];
  return { dir: abs, label: basename(abs), options: study.options, rates: study.rates, trials };
}

/**
 * Parse the text of `neuron-study.csv`. `E_DATA` naming `file:line` on a wrong header, a wrong
 * number of columns or a value that is not a number.
 *
 * @example
 * ```ts
 * parseTrialsCsv('d,seed,method,sign_w1_init,…\n1,0,imp,1,1,1,1,1,1e-5,1\n', 'neuron-study.csv');
 * ```
 */
export function parseTrialsCsv(text: string, path: string): NeuronTrialRow[] {
  const lines = text.split('\n');
  if ((lines[0] ?? '').trim() !== CSV_HEADER) {
    throw new PruneError('E_DATA', `${path}:1: unexpected header '${(lines[0] ?? '').trim()}'`, {
      hint: `expected '${CSV_HEADER}'`,
      where: `${path}:1`,
    });
  }
  const rows: NeuronTrialRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const where = `${path}:${i + 1}`;
    const cells = line.split(',');
    if (cells.length !== 10) {
      throw new PruneError('E_DATA', `${where}: expected 10 columns, got ${cells.length}`, { where });
    }
    const n = (k: number, name: string): number => {
      const v = Number(cells[k]);
      if (cells[k] === '' || Number.isNaN(v)) {
        throw new PruneError('E_DATA', `${where}: ${name} '${cells[k]}' is not a number`, { where });
      }
      return v;
    };
    rows.push({
      d: n(0, 'd'),
      seed: n(1, 'seed'),
      method: cells[2]!,
      signW1Init: n(3, 'sign_w1_init'),
      signW1Dense: n(4, 'sign_w1_dense'),
      signW1End: n(5, 'sign_w1_end'),
      signAInit: n(6, 'sign_a_init'),
      signAEnd: n(7, 'sign_a_end'),
      testMse: n(8, 'test_mse'),
      success: n(9, 'success') === 1,
    });
  }
  return rows;
}
