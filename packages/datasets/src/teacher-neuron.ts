import { z } from '@prunekit/core';
import { createRng } from '@prunekit/tensor';
import type { Rng } from '@prunekit/core';
import { type ArrayDataset, createArrayDataset } from './array-dataset.js';
import type { DatasetFactory } from './dataset-factory.js';
import type { NormalizeOption } from './normalize.js';
import { normalizeSchema, seedSchema, validationSchema } from './options.js';

/** Options of {@link teacherNeuron}. */
export interface TeacherNeuronOptions {
  /** Input dimension d. */
  readonly d: number;
  /** Inputs: uniform on [-1, 1]^d or standard Gaussian. */
  readonly input: 'uniform' | 'gaussian';
  readonly trainSize: number;
  readonly testSize: number;
  /** Standard deviation of Gaussian noise added to training targets (test targets stay exact). */
  readonly noise: number;
  /** Data seed: generates inputs, noise and the validation hold-out. */
  readonly seed: number;
  readonly validation: number;
  readonly normalize: NormalizeOption;
}

/**
 * Generate the teacher data: `x ~ U[-1, 1]^d` (or `N(0, I)`), `y = ReLU(x₁) + noise`, row-major.
 * Pure function of its arguments (the generator is consumed).
 *
 * @example
 * ```ts
 * const { x, y } = teacherSamples(4, 2, 'uniform', 0, createRng(1)); // x: 8 floats, y: 4
 * ```
 */
export function teacherSamples(
  n: number,
  d: number,
  input: 'uniform' | 'gaussian',
  noise: number,
  rng: Rng,
): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n * d);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = input === 'uniform' ? 2 * rng.next() - 1 : rng.normal();
    const x1 = x[i * d]!;
    y[i] = Math.max(0, x1) + (noise > 0 ? noise * rng.normal() : 0);
  }
  return { x, y };
}

/**
 * The one-neuron theory data of Gadhikar & Burkholz (ICLR 2024): a teacher `y = ReLU(x₁)`
 * (a* = 1, w* = e₁) on inputs uniform in [-1, 1]^d (or Gaussian), with optional Gaussian label
 * noise on the training targets. A regression task with `inputShape [d]` and one output. Train
 * and test come from independent streams of the seed, so changing `trainSize` keeps the test set.
 *
 * @example
 * ```ts
 * const data = await loadDataset(teacherNeuron, { d: 5, trainSize: 256, seed: 3 });
 * const [batch] = data.batches('train', { batchSize: 256, seed: 0 }); // full-batch gradient descent
 * ```
 */
export const teacherNeuron: DatasetFactory<TeacherNeuronOptions> = {
  name: 'teacher-neuron',
  description: 'one-neuron teacher y = ReLU(x₁), x ~ U[-1,1]^d or N(0, I) (regression)',
  reference: 'Gadhikar & Burkholz, Masks, Signs, and Learning Rate Rewinding, ICLR 2024',
  defaults: {
    d: 2,
    input: 'uniform',
    trainSize: 1000,
    testSize: 1000,
    noise: 0,
    seed: 0,
    validation: 0,
    normalize: 'none',
  },
  schema: z
    .object({
      d: z.number().int().positive(),
      input: z.enum(['uniform', 'gaussian']),
      trainSize: z.number().int().positive(),
      testSize: z.number().int().min(0),
      noise: z.number().min(0),
      seed: seedSchema,
      validation: validationSchema,
      normalize: normalizeSchema,
    })
    .strict(),
  load: (options) => loadTeacherNeuron(options),
};

function loadTeacherNeuron(o: TeacherNeuronOptions): ArrayDataset {
  const root = createRng(o.seed);
  const train = teacherSamples(o.trainSize, o.d, o.input, o.noise, root.fork('train'));
  const test = teacherSamples(o.testSize, o.d, o.input, 0, root.fork('test'));
  return createArrayDataset({
    name: 'teacher-neuron',
    task: 'regression',
    inputShape: [o.d],
    outputSize: 1,
    train,
    test,
    validation: o.validation,
    seed: o.seed,
    normalize: o.normalize,
  });
}
