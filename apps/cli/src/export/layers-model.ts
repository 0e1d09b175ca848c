import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type HostTensor, type ModelSnapshot, PruneError, resolveOptions } from '@prunekit/core';
import { type ModelFactory, VGG11_PLAN, VGG16_PLAN, type VggPlan } from '@prunekit/models';
import { writeFileAtomic } from '@prunekit/tensor';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { FlattenInput } from './torch-layout.js';

/** The architectures `--format tfjs` can rebuild as a plain `tf.LayersModel`. */
export const LAYERS_EXPORTABLE = [
  'single-neuron',
  'mlp',
  'lenet-300-100',
  'conv2',
  'conv4',
  'conv6',
  'vgg11',
  'vgg16',
] as const;

type Assign = (layer: tfl.layers.Layer, names: readonly string[], state?: readonly string[]) => void;

/**
 * Rebuild a prunekit model as an equivalent TensorFlow.js layers model (`tf.sequential`) holding
 * the snapshot's weights, so it runs and saves with tfjs alone: MLPs (`mlp`, `lenet-300-100`) as
 * flatten + dense layers, Conv-2/4/6 as conv2d (`same` padding, 3×3, ReLU) + max-pool (`same`)
 * + dense, VGG-11/16 as conv2d + batchNormalization (inference: running statistics) + ReLU +
 * max-pool + global average pooling + dense, and the single neuron as two bias-free dense layers.
 * Layer names are prunekit's (`fc1`, `conv1`, `bn1`). ResNets are not supported (`E_USAGE`):
 * export them with `--format safetensors`. The caller owns (and disposes) the model.
 *
 * @example
 * ```ts
 * const lm = toLayersModel(createModelRegistry().get('lenet-300-100'), {}, snapshot);
 * lm.predict(x);
 * ```
 */
export function toLayersModel(
  factory: ModelFactory,
  options: unknown,
  snapshot: ModelSnapshot,
): tfl.Sequential {
  const o = resolveOptions(factory, options, 'model.options') as Record<string, unknown>;
  const used = new Set<string>();
  const take = (name: string, from: 'params' | 'state' = 'params'): HostTensor => {
    const t = (from === 'params' ? snapshot.params : snapshot.state).get(name);
    if (!t) {
      throw new PruneError(
        'E_CHECKPOINT',
        `the saved weights have no '${name}', which ${factory.name} needs`,
        {
          hint: 'the run was made with another version of the model',
        },
      );
    }
    used.add(`${from}:${name}`);
    return t;
  };
  const assign: Assign = (layer, names, state = []) => {
    const host = [...names.map((n) => take(n)), ...state.map((n) => take(n, 'state'))];
    const expected = layer.getWeights().map((w) => w.shape);
    const tensors = host.map((h, i) => {
      const shape = expected[i] ?? h.shape;
      if (shape.reduce((a, b) => a * b, 1) !== h.data.length) {
        throw new PruneError(
          'E_SHAPE',
          `layer '${layer.name}' weight ${i} has shape [${shape}], the saved '${[...names, ...state][i]}' [${h.shape}]`,
        );
      }
      return tf.tensor(h.data, shape as number[]);
    });
    try {
      layer.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  };

  const model = tfl.sequential({ name: factory.name.replace(/[^A-Za-z0-9_]/g, '_') });
  switch (factory.name) {
    case 'single-neuron': {
      const d = o.d as number;
      const hidden = tfl.layers.dense({
        units: 1,
        useBias: false,
        activation: 'relu',
        inputShape: [d],
        name: 'hidden',
      });
      const output = tfl.layers.dense({ units: 1, useBias: false, name: 'output' });
      model.add(hidden);
      model.add(output);
      assign(hidden, ['w']);
      assign(output, ['a']);
      break;
    }
    case 'mlp':
    case 'lenet-300-100': {
      const inputShape = o.inputShape as number[];
      const widths = [...(factory.name === 'mlp' ? (o.hidden as number[]) : [300, 100]), o.classes as number];
      if (inputShape.length > 1) model.add(tfl.layers.flatten({ inputShape, name: 'flatten' }));
      widths.forEach((units, i) => {
        const layer = tfl.layers.dense({
          units,
          activation: i + 1 < widths.length ? 'relu' : 'linear',
          name: `fc${i + 1}`,
          ...(i === 0 && inputShape.length === 1 ? { inputShape } : {}),
        });
        model.add(layer);
        assign(layer, [`fc${i + 1}.weight`, `fc${i + 1}.bias`]);
      });
      break;
    }
    case 'conv2':
    case 'conv4':
    case 'conv6': {
      const pairs = Number(factory.name.slice(4)) / 2;
      const inputShape = o.inputShape as number[];
      const width = o.width as number;
      let conv = 0;
      for (let i = 0; i < pairs; i++) {
        for (let j = 0; j < 2; j++) {
          conv++;
          const layer = tfl.layers.conv2d({
            filters: width * 2 ** i,
            kernelSize: 3,
            padding: 'same',
            activation: 'relu',
            name: `conv${conv}`,
            ...(conv === 1 ? { inputShape } : {}),
          });
          model.add(layer);
          assign(layer, [`conv${conv}.weight`, `conv${conv}.bias`]);
        }
        model.add(
          tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: `pool${i + 1}` }),
        );
      }
      model.add(tfl.layers.flatten({ name: 'flatten' }));
      for (const [k, units] of [256, 256, o.classes as number].entries()) {
        const layer = tfl.layers.dense({ units, activation: k < 2 ? 'relu' : 'linear', name: `fc${k + 1}` });
        model.add(layer);
        assign(layer, [`fc${k + 1}.weight`, `fc${k + 1}.bias`]);
      }
      break;
    }
    case 'vgg11':
    case 'vgg16': {
      const plan: VggPlan = factory.name === 'vgg11' ? VGG11_PLAN : VGG16_PLAN;
      const scale = (o.width as number) / 64;
      let i = 0;
      let pool = 0;
      for (const step of plan) {
        if (step === 'M') {
          model.add(
            tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: `pool${++pool}` }),
          );
          continue;
        }
        i++;
        const conv = tfl.layers.conv2d({
          filters: Math.max(1, Math.round(step * scale)),
          kernelSize: 3,
          padding: 'same',
          useBias: false,
          name: `conv${i}`,
          ...(i === 1 ? { inputShape: o.inputShape as number[] } : {}),
        });
        const bn = tfl.layers.batchNormalization({ axis: -1, epsilon: 1e-5, momentum: 0.9, name: `bn${i}` });
        model.add(conv);
        model.add(bn);
        model.add(tfl.layers.activation({ activation: 'relu', name: `relu${i}` }));
        assign(conv, [`conv${i}.weight`]);
        assign(bn, [`bn${i}.gamma`, `bn${i}.beta`], [`bn${i}.running_mean`, `bn${i}.running_var`]);
      }
      model.add(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
      const fc = tfl.layers.dense({ units: o.classes as number, name: 'fc' });
      model.add(fc);
      assign(fc, ['fc.weight', 'fc.bias']);
      break;
    }
    default:
      model.dispose();
      throw new PruneError(
        'E_USAGE',
        `model '${factory.name}' is not supported for tfjs export (supported: ${LAYERS_EXPORTABLE.join(', ')})`,
        {
          hint: 'use --format safetensors',
        },
      );
  }
  const unused = [...snapshot.params.keys()].filter((k) => !used.has(`params:${k}`));
  if (unused.length) {
    model.dispose();
    throw new PruneError(
      'E_SHAPE',
      `the tfjs rebuild of ${factory.name} left saved weights unused: ${unused.join(', ')}`,
      { hint: 'use --format safetensors' },
    );
  }
  return model;
}

/**
 * For architectures that flatten a feature map into a dense layer: which weight and the `[h, w, c]`
 * map (so the PyTorch export can reorder its inputs to `(c, h, w)`). `undefined` for the others.
 *
 * @example
 * ```ts
 * flattenInput(createModelRegistry().get('conv2'), {}); // { param: 'fc1.weight', shape: [16, 16, 64] }
 * ```
 */
export function flattenInput(factory: ModelFactory, options: unknown): FlattenInput | undefined {
  const o = resolveOptions(factory, options, 'model.options') as Record<string, unknown>;
  const shape = o.inputShape as number[] | undefined;
  if ((factory.name === 'mlp' || factory.name === 'lenet-300-100') && shape?.length === 3) {
    return { param: 'fc1.weight', shape: shape as [number, number, number] };
  }
  if (/^conv[246]$/.test(factory.name) && shape?.length === 3) {
    const pairs = Number(factory.name.slice(4)) / 2;
    const scale = 2 ** pairs;
    return {
      param: 'fc1.weight',
      shape: [
        Math.ceil(shape[0]! / scale),
        Math.ceil(shape[1]! / scale),
        (o.width as number) * 2 ** (pairs - 1),
      ],
    };
  }
  return undefined;
}

/**
 * Save a layers model as `model.json` + `weights.bin` (the tfjs layers format that
 * `tf.loadLayersModel` reads). With `@tensorflow/tfjs-node` loaded this is its `file://` handler;
 * otherwise the artifacts are written here, in the same layout. Returns the file paths.
 *
 * @example
 * ```ts
 * await saveLayersModel(lm, 'export/lenet'); // export/lenet/model.json, export/lenet/weights.bin
 * ```
 */
export async function saveLayersModel(
  model: tfl.LayersModel,
  dir: string,
): Promise<{ modelJson: string; weights: string }> {
  mkdirSync(dir, { recursive: true });
  const files = { modelJson: join(dir, 'model.json'), weights: join(dir, 'weights.bin') };
  const url = `file://${dir}`;
  if (tf.io.getSaveHandlers(url).length > 0) {
    await model.save(url);
    return files;
  }
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData =
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      // model.json goes last, and an older one goes first: a crash in between must not leave a
      // model.json that pairs with the new weights.bin of another model (re-export into one dir).
      rmSync(files.modelJson, { force: true });
      writeFileAtomic(files.weights, new Uint8Array(weightData));
      writeFileAtomic(files.modelJson, JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weightData.byteLength,
        },
      };
    }),
  );
  return files;
}
