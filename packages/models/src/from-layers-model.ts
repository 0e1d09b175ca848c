import * as tf from '@tensorflow/tfjs-core';
import {
  type LayerKind,
  type ParamInfo,
  type ParamRole,
  type PrunableModel,
  PruneError,
  type Rng,
  type StateInfo,
  type Task,
  sizeOf,
} from '@prunekit/core';
import { VariableStore, createRng, toHost } from '@prunekit/tensor';
import type { LayerVariable, LayersModel } from '@tensorflow/tfjs-layers';
import { checkInput, fillNormal } from './network.js';

/**
 * Which weights of a layers model are prunable: a pattern tested against parameter names, an
 * explicit list of names, or a predicate. Only kernels (conv, dense, embedding weights) can be
 * selected; biases and normalization parameters are never prunable.
 */
export type PrunableSelector = RegExp | readonly string[] | ((name: string) => boolean);

/** Options of {@link fromLayersModel}. */
export interface FromLayersModelOptions {
  /** Which kernels are prunable. Default: every conv and dense kernel. */
  readonly prunable?: PrunableSelector;
  /** Name reported as `model.name`. Default `'layers-model'`. */
  readonly name?: string;
  /** The task the head is made for. Default `'classification'`. */
  readonly task?: Task;
}

type AnyLayer = LayersModel['layers'][number];

const KERNELS = new Set(['kernel', 'depthwise_kernel', 'pointwise_kernel', 'recurrent_kernel', 'embeddings']);

interface Entry {
  readonly name: string;
  readonly short: string;
  readonly layer: string;
  readonly kind: LayerKind;
  readonly lv: LayerVariable;
}

/**
 * Make any `tf.LayersModel` (Sequential or functional, from `@tensorflow/tfjs-layers`) a
 * {@link PrunableModel}. Its trainable weights become the parameters and its non-trainable
 * weights (BN moving mean/variance, frozen layers) the state; the current weight values are
 * kept. Names are stable — `<layer>/<weight>` with auto-generated layer names replaced by
 * Keras-style per-model ones (`dense/kernel`, `dense_1/kernel`, `conv2d/bias`,
 * `batch_normalization/moving_mean`) — so two fresh builds of the same architecture agree.
 * Conv and dense kernels are prunable unless `options.prunable` says otherwise.
 *
 * `forward(x, training)` is `model.apply(x, { training })`. Limits: batch-norm layers follow
 * tfjs-layers, not PyTorch — `momentum` is Keras's (0.99 keeps 99 % of the running value) and the
 * running variance is the biased batch variance; dropout and other training-only behaviour
 * follow `training`. `reinitialize(seed)` uses prunekit's rule (Kaiming-normal kernels with fan-in
 * = product of all but the last kernel dimension, zero biases and β, unit γ, running mean 0 and
 * variance 1, other weights back to their values when wrapped), not the layers' initializers.
 * The returned model owns the layers model: `dispose()` calls `model.dispose()`.
 *
 * @example
 * ```ts
 * import * as tfl from '@tensorflow/tfjs-layers';
 * const net = tfl.sequential({ layers: [
 *   tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
 *   tfl.layers.flatten(), tfl.layers.dense({ units: 10 }) ] });
 * const model = fromLayersModel(net, { prunable: /^conv2d/ });
 * model.params.map((p) => [p.name, p.prunable]); // [['conv2d/kernel', true], ['conv2d/bias', false], ['dense/kernel', false], …]
 * ```
 */
export function fromLayersModel(model: LayersModel, options: FromLayersModelOptions = {}): PrunableModel {
  return new LayersModelAdapter(model, options);
}

class LayersModelAdapter extends VariableStore implements PrunableModel {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputSize: number;
  readonly task: Task;
  readonly #model: LayersModel;
  readonly #entries: Entry[];
  readonly #wrapped: Map<string, Float32Array>;
  #disposed = false;

  constructor(model: LayersModel, options: FromLayersModelOptions) {
    super();
    this.name = options.name ?? 'layers-model';
    this.task = options.task ?? 'classification';
    this.#model = model;
    if (!isBuilt(model)) {
      throw new PruneError('E_SHAPE', 'fromLayersModel: the model is not built (it has no inputs yet)', {
        hint: 'give the first layer an inputShape, or call model.build(shape), before wrapping it',
      });
    }
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new PruneError(
        'E_SHAPE',
        `fromLayersModel: the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; only single-input, single-output models are supported`,
      );
    }
    this.inputShape = model.inputs[0]!.shape.slice(1).map((d) => d ?? -1);
    this.outputSize = model.outputs[0]!.shape.at(-1) ?? -1;
    this.#entries = collect(model);
    if (!this.#entries.some((e) => e.lv.trainable)) {
      throw new PruneError('E_SHAPE', 'fromLayersModel: the model has no trainable weights', {
        hint: 'a model with frozen layers only (trainable = false) has nothing to train or prune',
      });
    }
    const prunable = selectPrunable(this.#entries, options.prunable);
    this.#wrapped = new Map();
    for (const e of this.#entries) {
      const v = e.lv.read() as tf.Variable; // a LayerVariable wraps a tf.Variable
      this.#wrapped.set(e.name, toHost(v).data);
      if (e.lv.trainable) {
        const info: ParamInfo = {
          name: e.name,
          shape: [...v.shape],
          prunable: prunable.has(e.name),
          role: roleOf(e),
          layer: e.layer,
          layerKind: e.kind,
        };
        this.addParam(info, v);
      } else {
        const info: StateInfo = { name: e.name, shape: [...v.shape], layer: e.layer };
        this.addState(info, v);
      }
    }
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    checkInput(this.name, this.inputShape, x);
    return tf.tidy(() => {
      const out = this.#model.apply(x, { training });
      if (Array.isArray(out) || !(out instanceof tf.Tensor)) {
        throw new PruneError(
          'E_SHAPE',
          `fromLayersModel '${this.name}': apply() did not return a single tensor`,
        );
      }
      return out;
    });
  }

  reinitialize(seed: number): void {
    const root = createRng(seed);
    for (const e of this.#entries) {
      const v = e.lv.read() as tf.Variable; // a LayerVariable wraps a tf.Variable
      const data = initialValues(e, v.shape, root.fork(e.name), this.#wrapped.get(e.name)!);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
    }
  }

  override dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#model.dispose();
  }
}

function isBuilt(model: LayersModel): boolean {
  try {
    return model.inputs.length > 0 && model.outputs.length > 0;
  } catch {
    return false; // an unbuilt Sequential throws on .inputs
  }
}

function initialValues(e: Entry, shape: readonly number[], rng: Rng, wrapped: Float32Array): Float32Array {
  const size = sizeOf(shape);
  const role = roleOf(e);
  if (role === 'weight' && shape.length >= 2) {
    const fanIn = sizeOf(shape.slice(0, -1));
    return fillNormal(rng, new Float32Array(size), Math.sqrt(2 / fanIn));
  }
  if (role === 'bias' || role === 'bn-beta' || e.short === 'moving_mean') return new Float32Array(size);
  if (role === 'bn-gamma' || e.short === 'moving_variance') return new Float32Array(size).fill(1);
  return wrapped.slice();
}

function roleOf(e: Entry): ParamRole {
  if (KERNELS.has(e.short)) return 'weight';
  if (e.short === 'bias') return 'bias';
  if (e.kind === 'bn' && e.short === 'gamma') return 'bn-gamma';
  if (e.kind === 'bn' && e.short === 'beta') return 'bn-beta';
  return 'other';
}

function kindOf(className: string): LayerKind {
  if (className === 'Dense') return 'dense';
  if (/Conv/.test(className)) return 'conv';
  if (/Normalization/.test(className)) return 'bn';
  if (className === 'Embedding') return 'embedding';
  return 'other';
}

function* walk(layers: readonly AnyLayer[]): Generator<AnyLayer> {
  for (const layer of layers) {
    const inner = (layer as { layers?: unknown }).layers;
    if (Array.isArray(inner)) yield* walk(inner as AnyLayer[]);
    else yield layer;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every weight with a stable name: auto-generated layer names (`dense_Dense7`) become `dense`, `dense_1`, … per model. */
function collect(model: LayersModel): Entry[] {
  const layers = [...walk(model.layers)];
  const autoBase = layers.map((l) => {
    const m = new RegExp(`^(.+)_${escapeRegExp(l.getClassName())}\\d+$`).exec(l.name);
    return m ? m[1]! : undefined;
  });
  const used = new Set(layers.filter((_, i) => autoBase[i] === undefined).map((l) => l.name));
  const next = new Map<string, number>();
  const entries: Entry[] = [];
  layers.forEach((layer, i) => {
    let stable = layer.name;
    const base = autoBase[i];
    if (base !== undefined) {
      let k = next.get(base) ?? 0;
      do {
        stable = k === 0 ? base : `${base}_${k}`;
        k++;
      } while (used.has(stable));
      next.set(base, k);
      used.add(stable);
    }
    const kind = kindOf(layer.getClassName());
    const seen = new Set<string>();
    for (const lv of [...layer.trainableWeights, ...layer.nonTrainableWeights]) {
      const last = lv.originalName.split('/').at(-1) ?? lv.originalName;
      let short = last;
      for (let j = 1; seen.has(short); j++) short = `${last}_${j}`;
      seen.add(short);
      entries.push({ name: `${stable}/${short}`, short: last, layer: stable, kind, lv });
    }
  });
  return entries;
}

function selectPrunable(entries: readonly Entry[], selector: PrunableSelector | undefined): Set<string> {
  const params = entries.filter((e) => e.lv.trainable);
  const kernels = params.filter((e) => roleOf(e) === 'weight');
  if (selector === undefined) {
    return new Set(kernels.filter((e) => e.kind === 'conv' || e.kind === 'dense').map((e) => e.name));
  }
  let chosen: Entry[];
  let what: string;
  if (selector instanceof RegExp) {
    const re = new RegExp(selector.source, selector.flags.replace(/[gy]/g, ''));
    chosen = kernels.filter((e) => re.test(e.name));
    what = `pattern ${selector}`;
  } else if (typeof selector === 'function') {
    chosen = kernels.filter((e) => selector(e.name));
    what = 'predicate';
  } else {
    const byName = new Map(params.map((e) => [e.name, e]));
    for (const n of selector) {
      const e = byName.get(n);
      if (!e) {
        throw new PruneError(
          'E_RECIPE',
          `fromLayersModel: prunable lists '${n}', which the model does not have`,
          {
            hint: `its parameters are ${params.map((p) => p.name).join(', ')}`,
          },
        );
      }
      if (roleOf(e) !== 'weight') {
        throw new PruneError(
          'E_RECIPE',
          `fromLayersModel: prunable lists '${n}', which is not a kernel (biases and normalization parameters are never pruned)`,
          {
            hint: `the kernels are ${kernels.map((p) => p.name).join(', ')}`,
          },
        );
      }
    }
    const set = new Set(selector);
    chosen = kernels.filter((e) => set.has(e.name));
    what = 'list';
  }
  if (chosen.length === 0) {
    throw new PruneError('E_RECIPE', `fromLayersModel: the prunable ${what} selects no kernel`, {
      hint: `the kernels are ${kernels.map((p) => p.name).join(', ') || '(none)'}`,
    });
  }
  return new Set(chosen.map((e) => e.name));
}
