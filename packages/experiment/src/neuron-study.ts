import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PruneError, type Rng } from '@prunekit/core';
import { createRng, writeFileAtomic } from '@prunekit/tensor';
import { z } from 'zod';
import { writeJson } from './run-dir.js';

/** Options of the one-hidden-neuron study (PAPER.md, "The theory experiment"). */
export const neuronStudySchema = z
  .object({
    /** Input dimensions to try. */
    dims: z.array(z.number().int().positive()).min(1).default([1, 2, 5, 10]),
    /** Seeds per dimension. */
    seeds: z.number().int().positive().default(100),
    /** First seed. */
    seedOffset: z.number().int().nonnegative().default(0),
    /** `standard`: w_i ~ N(0, 1/d), a ~ N(0, 1). `balanced`: |a(0)| = ‖w(0)‖ with a random sign. */
    init: z.enum(['standard', 'balanced']).default('balanced'),
    /** Input distribution. */
    input: z.enum(['uniform', 'gaussian']).default('uniform'),
    /** Training and test set sizes. */
    trainSize: z.number().int().positive().default(256),
    testSize: z.number().int().positive().default(1024),
    /** Full-batch gradient descent: learning rate and steps per phase (dense, then pruned). */
    lr: z.number().positive().default(0.05),
    steps: z.number().int().positive().default(2000),
    /** Success: test MSE below this. */
    threshold: z.number().positive().default(1e-3),
  })
  .strict();

/** Validated options of {@link runNeuronStudy}. */
export type NeuronStudyOptions = z.output<typeof neuronStudySchema>;

/** One seed's outcome for one method. */
export interface NeuronTrial {
  readonly d: number;
  readonly seed: number;
  readonly method: 'imp' | 'lrr';
  /** Sign of w₁ at init, after dense training, at the end. */
  readonly signInit: number;
  readonly signDense: number;
  readonly signEnd: number;
  /** Sign of a at init and at the end. */
  readonly aInit: number;
  readonly aEnd: number;
  readonly testMse: number;
  readonly success: boolean;
}

/** Success rates per dimension and method. */
export interface NeuronStudyResult {
  readonly options: NeuronStudyOptions;
  readonly rates: ReadonlyArray<{ d: number; method: 'imp' | 'lrr'; successRate: number; n: number }>;
  readonly trials: readonly NeuronTrial[];
}

/**
 * The one-hidden-neuron study: target y = ReLU(x₁), student f(x) = a·ReLU(wᵀx), square loss,
 * full-batch gradient descent with a small learning rate (near gradient flow), in float64 on the
 * host. For each d and seed: train densely, prune w to its first coordinate, then
 * IMP resets (a, w₁) to their initial values and retrains; LRR keeps the trained (a, w₁) and
 * retrains. Reports success rates (test MSE < threshold) and the sign of w₁ at init, after dense
 * training and at the end. With `out`, writes `neuron-study.json` and `neuron-study.csv` there.
 *
 * @example
 * ```ts
 * const { rates } = runNeuronStudy({ dims: [1, 5], seeds: 20 });
 * ```
 */
export function runNeuronStudy(input: Partial<NeuronStudyOptions> = {}, out?: string): NeuronStudyResult {
  const parsed = neuronStudySchema.safeParse(input);
  if (!parsed.success) {
    throw new PruneError(
      'E_RECIPE',
      `neuron study options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const o = parsed.data;
  const trials: NeuronTrial[] = [];
  for (const d of o.dims) {
    for (let s = o.seedOffset; s < o.seedOffset + o.seeds; s++) {
      const rng = createRng(s * 7919 + d);
      const train = sample(rng.fork('train'), o.trainSize, d, o.input);
      const test = sample(rng.fork('test'), o.testSize, d, o.input);
      const init = initNeuron(rng.fork('init'), d, o.init);
      const dense = { a: init.a, w: init.w.slice() };
      gd(dense, train, o.lr, o.steps, null);
      const mask = new Float64Array(d);
      mask[0] = 1;
      for (const method of ['imp', 'lrr'] as const) {
        const start =
          method === 'imp'
            ? { a: init.a, w: init.w.map((v, i) => v * mask[i]!) }
            : { a: dense.a, w: dense.w.map((v, i) => v * mask[i]!) };
        gd(start, train, o.lr, o.steps, mask);
        const mse = loss(start, test) * 2;
        trials.push({
          d,
          seed: s,
          method,
          signInit: Math.sign(init.w[0]!),
          signDense: Math.sign(dense.w[0]!),
          signEnd: Math.sign(start.w[0]!),
          aInit: Math.sign(init.a),
          aEnd: Math.sign(start.a),
          testMse: mse,
          success: mse < o.threshold,
        });
      }
    }
  }
  const rates = o.dims.flatMap((d) =>
    (['imp', 'lrr'] as const).map((method) => {
      const t = trials.filter((x) => x.d === d && x.method === method);
      return { d, method, successRate: t.filter((x) => x.success).length / t.length, n: t.length };
    }),
  );
  const result: NeuronStudyResult = { options: o, rates, trials };
  if (out) {
    mkdirSync(out, { recursive: true });
    writeJson(join(out, 'neuron-study.json'), { options: o, rates });
    const header =
      'd,seed,method,sign_w1_init,sign_w1_dense,sign_w1_end,sign_a_init,sign_a_end,test_mse,success';
    const rows = trials.map((t) =>
      [
        t.d,
        t.seed,
        t.method,
        t.signInit,
        t.signDense,
        t.signEnd,
        t.aInit,
        t.aEnd,
        t.testMse.toPrecision(6),
        t.success ? 1 : 0,
      ].join(','),
    );
    writeFileAtomic(join(out, 'neuron-study.csv'), `${header}\n${rows.join('\n')}\n`);
  }
  return result;
}

interface Data {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly n: number;
  readonly d: number;
}

function sample(rng: Rng, n: number, d: number, input: 'uniform' | 'gaussian'): Data {
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = input === 'uniform' ? 2 * rng.next() - 1 : rng.normal();
    y[i] = Math.max(0, x[i * d]!);
  }
  return { x, y, n, d };
}

/**
 * Initial (a, w): standard (w ~ N(0, 1/d), a ~ N(0, 1)) or balanced (|a| = ‖w‖, random sign).
 *
 * @example
 * ```ts
 * const { a, w } = initNeuron(createRng(0), 3, 'balanced'); // Math.abs(a) === Math.hypot(...w)
 * ```
 */
export function initNeuron(
  rng: Rng,
  d: number,
  kind: 'standard' | 'balanced',
): { a: number; w: Float64Array } {
  const w = new Float64Array(d);
  for (let j = 0; j < d; j++) w[j] = rng.normal() / Math.sqrt(d);
  let a = rng.normal();
  if (kind === 'balanced') {
    const norm = Math.hypot(...w);
    a = (rng.next() < 0.5 ? -1 : 1) * norm;
  }
  return { a, w };
}

/** Mean over samples of ½(f(x) − y)². */
function loss(p: { a: number; w: Float64Array }, data: Data): number {
  let s = 0;
  for (let i = 0; i < data.n; i++) {
    let z = 0;
    for (let j = 0; j < data.d; j++) z += p.w[j]! * data.x[i * data.d + j]!;
    const r = p.a * Math.max(0, z) - data.y[i]!;
    s += r * r;
  }
  return s / (2 * data.n);
}

/** Full-batch gradient descent; `mask` keeps pruned coordinates of w at zero. */
function gd(
  p: { a: number; w: Float64Array },
  data: Data,
  lr: number,
  steps: number,
  mask: Float64Array | null,
): void {
  const { n, d, x, y } = data;
  const gw = new Float64Array(d);
  for (let t = 0; t < steps; t++) {
    let ga = 0;
    gw.fill(0);
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += p.w[j]! * x[i * d + j]!;
      if (z <= 0) continue; // ReLU inactive: no gradient to a or w from this sample
      const r = p.a * z - y[i]!;
      ga += r * z;
      for (let j = 0; j < d; j++) gw[j] = gw[j]! + r * p.a * x[i * d + j]!;
    }
    p.a -= (lr * ga) / n;
    for (let j = 0; j < d; j++) p.w[j] = (p.w[j]! - (lr * gw[j]!) / n) * (mask ? mask[j]! : 1);
  }
}
