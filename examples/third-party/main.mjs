// @ts-check
// A third-party project using prunekit through its public API only: its own tf.LayersModel,
// its own in-memory dataset and its own mask strategy, registered next to the built-ins, then
// learning-rate rewinding (LRR) with runExperiment. Prints density and test accuracy per round.
import { z } from '@prunekit/core';
import { createArrayDataset } from '@prunekit/datasets';
import { createRegistries, runExperiment } from '@prunekit/experiment';
import { composeStrategy, magnitudeScore, uniformAllocation, unstructuredSelection } from '@prunekit/masks';
import { fromLayersModel } from '@prunekit/models';
import { createRng } from '@prunekit/tensor';
import * as tf from '@tensorflow/tfjs';

// 1. A model: any tf.LayersModel, wrapped by fromLayersModel. Dense kernels become prunable,
//    biases stay dense. Seeded initializers make the run reproducible.
/** @type {import('@prunekit/models').ModelFactory<{ hidden: number }>} */
const layersMlp = {
  name: 'layers-mlp',
  description: 'a tf.sequential MLP 2 → hidden → hidden → 2 (tfjs-layers)',
  defaults: { hidden: 32 },
  schema: z.object({ hidden: z.number().int().positive() }).strict(),
  create({ hidden }, seed) {
    const net = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [2],
          units: hidden,
          activation: 'relu',
          kernelInitializer: tf.initializers.heNormal({ seed }),
        }),
        tf.layers.dense({
          units: hidden,
          activation: 'relu',
          kernelInitializer: tf.initializers.heNormal({ seed: seed + 1 }),
        }),
        tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 2 }) }), // logits
      ],
    });
    return fromLayersModel(net, { name: 'layers-mlp' });
  },
};

// 2. A dataset: two interleaved half-moons, generated in memory from a seed.
/** @param {number} n @param {number} noise @param {import('@prunekit/core').Rng} rng */
function moons(n, noise, rng) {
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const t = Math.PI * rng.next();
    x[2 * i] = (c ? 1 - Math.cos(t) : Math.cos(t)) + noise * rng.normal();
    x[2 * i + 1] = (c ? 0.5 - Math.sin(t) : Math.sin(t)) + noise * rng.normal();
    y[i] = c;
  }
  return { x, y };
}

/** @type {import('@prunekit/datasets').DatasetFactory<{ trainSize: number; testSize: number; noise: number; seed: number }>} */
const twoMoons = {
  name: 'two-moons',
  description: 'two interleaved half-moons in 2-D (binary classification)',
  defaults: { trainSize: 512, testSize: 256, noise: 0.15, seed: 0 },
  schema: z
    .object({
      trainSize: z.number().int().positive(),
      testSize: z.number().int().positive(),
      noise: z.number().min(0),
      seed: z.number().int(),
    })
    .strict(),
  load: (o) => {
    const rng = createRng(o.seed);
    return createArrayDataset({
      name: 'two-moons',
      task: 'classification',
      inputShape: [2],
      outputSize: 2,
      train: moons(o.trainSize, o.noise, rng.fork('train')),
      test: moons(o.testSize, o.noise, rng.fork('test')),
    });
  },
};

// 3. A mask strategy: magnitude pruning with the same fraction in every layer, composed from
//    prunekit's parts (score × allocation × selection).
const layerwiseMagnitude = composeStrategy({
  name: 'layerwise-magnitude',
  description: 'keep the largest |w| of every layer, the same fraction per layer',
  score: magnitudeScore,
  allocation: uniformAllocation,
  selection: unstructuredSelection,
});

// 4. Register them next to the built-ins and run LRR: train, prune 30% per round, keep the
//    trained weights, restart the learning-rate schedule.
const registries = createRegistries();
registries.models.register(layersMlp);
registries.datasets.register(twoMoons);
registries.masks.register(layerwiseMagnitude);

const rounds = 4;
const result = await runExperiment(
  {
    name: 'moons-lrr',
    model: { name: 'layers-mlp', options: { hidden: 32 } },
    dataset: { name: 'two-moons', options: {} },
    training: {
      epochs: '4ep',
      warmup: '1ep',
      batchSize: 32,
      schedule: { kind: 'cosine', lr: 0.1, min: 0.01 },
      augment: false,
    },
    pruning: { rounds, fraction: 0.3, strategy: { name: 'layerwise-magnitude', options: {} } },
    rewind: { policy: { name: 'lr-rewind', options: {} } },
  },
  { out: process.env.PRUNEKIT_OUT ?? 'runs', registries },
);

console.log(`run ${result.runId} on ${result.backend}: ${result.dir}`);
for (const r of result.rounds) {
  console.log(
    `round ${r.round}  density ${r.density.toFixed(4)}  accuracy ${(r.testAccuracy ?? Number.NaN).toFixed(4)}`,
  );
}
const last = result.rounds.at(-1);
if (
  result.rounds.length !== rounds + 1 ||
  !last ||
  !(last.density < 0.3) ||
  !((last.testAccuracy ?? 0) > 0.7)
) {
  console.error('unexpected result');
  process.exit(1);
}
console.log(`OK ${result.rounds.length} rounds`);
