import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModelSnapshot, isPruneError } from '@prunekit/core';
import { createModel, createModelRegistry } from '@prunekit/models';
import { createRng } from '@prunekit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { saveLayersModel, toLayersModel } from './layers-model.js';

const models = createModelRegistry();

/** Random values for every parameter and state tensor (running variances positive), seeded. */
function randomized(s: ModelSnapshot, seed: number): ModelSnapshot {
  const rng = createRng(seed);
  const fill = (
    w: Map<string, { shape: readonly number[]; data: Float32Array }>,
    positive: (n: string) => boolean,
  ) =>
    new Map(
      [...w].map(([k, t]) => [
        k,
        {
          shape: t.shape,
          data: Float32Array.from(t.data, () => (positive(k) ? 0.5 + rng.next() : rng.normal() * 0.5)),
        },
      ]),
    );
  return { params: fill(s.params, () => false), state: fill(s.state, (k) => k.endsWith('running_var')) };
}

/** prunekit forward (eval mode) vs the rebuilt layers model on the same batch. */
function compare(name: string, options: Record<string, unknown>, inputShape: number[]) {
  const factory = models.get(name);
  const model = createModel(factory, options, 1);
  try {
    const snap = randomized(model.snapshot(), 7);
    model.restore(snap);
    const lm = toLayersModel(factory, options, snap);
    try {
      const x = tf.randomNormal([5, ...inputShape], 0, 1, 'float32', 3);
      const [a, b] = tf.tidy(() => [
        model.forward(x, false).dataSync(),
        (lm.predict(x) as tf.Tensor).dataSync(),
      ]);
      x.dispose();
      expect(b!.length).toBe(a!.length);
      const scale = Math.max(...Array.from(a!, Math.abs), 1);
      for (let i = 0; i < a!.length; i++)
        expect(Math.abs(a![i]! - b![i]!) / scale, `${name} output ${i}`).toBeLessThan(1e-4);
    } finally {
      lm.dispose();
    }
  } finally {
    model.dispose();
  }
}

describe('toLayersModel', () => {
  it('mlp (flat and image input), conv2, conv4 (odd sizes), vgg11 with batch norm and the single neuron predict like the prunekit model', () => {
    const before = tf.memory().numTensors;
    compare('mlp', { inputShape: [6], hidden: [5, 4], classes: 3 }, [6]);
    compare('mlp', { inputShape: [4, 4, 1], hidden: [7], classes: 2 }, [4, 4, 1]);
    compare('conv2', { inputShape: [8, 8, 2], width: 4, classes: 3 }, [8, 8, 2]);
    compare('conv4', { inputShape: [7, 7, 1], width: 2, classes: 3 }, [7, 7, 1]);
    compare('vgg11', { inputShape: [8, 8, 3], width: 8, classes: 4 }, [8, 8, 3]);
    compare('single-neuron', { d: 3 }, [3]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses ResNets with a pointer to safetensors', () => {
    const factory = models.get('resnet18');
    const model = createModel(factory, { width: 4 }, 0);
    try {
      let err: unknown;
      try {
        toLayersModel(factory, { width: 4 }, model.snapshot());
      } catch (e) {
        err = e;
      }
      expect(isPruneError(err, 'E_USAGE')).toBe(true);
      expect((err as Error).message).toBe(
        "model 'resnet18' is not supported for tfjs export (supported: single-neuron, mlp, lenet-300-100, conv2, conv4, conv6, vgg11, vgg16). use --format safetensors",
      );
    } finally {
      model.dispose();
    }
  });
});

describe('saveLayersModel', () => {
  it('writes model.json + weights.bin that tf.loadLayersModel reads back (no prunekit code) with the same predictions', async () => {
    const options = { inputShape: [4], hidden: [3], classes: 2 };
    const factory = models.get('mlp');
    const model = createModel(factory, options, 0);
    const lm = toLayersModel(factory, options, model.snapshot());
    model.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'pk-export-'));
    const files = await saveLayersModel(lm, dir);
    const json = JSON.parse(readFileSync(files.modelJson, 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(
      json.weightsManifest[0].weights.map((w: { name: string; shape: number[] }) => [w.name, w.shape]),
    ).toEqual([
      ['fc1/kernel', [4, 3]],
      ['fc1/bias', [3]],
      ['fc2/kernel', [3, 2]],
      ['fc2/bias', [2]],
    ]);
    const bin = readFileSync(files.weights);
    expect(bin.byteLength).toBe(4 * (12 + 3 + 6 + 2));
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: new Uint8Array(bin).buffer,
      }),
    );
    const [got, want] = tf.tidy(() => {
      const x = tf.tensor2d([[1, -2, 0.5, 3]]);
      return [
        Array.from((loaded.predict(x) as tf.Tensor).dataSync()),
        Array.from((lm.predict(x) as tf.Tensor).dataSync()),
      ];
    });
    expect(got).toEqual(want);
    loaded.dispose();
    lm.dispose();
  });
});
