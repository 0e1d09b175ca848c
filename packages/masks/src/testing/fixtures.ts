// Test fixtures for this package's own tests (not exported from the package).
import * as tf from '@tensorflow/tfjs-core';
import {
  type Batch,
  type HostTensor,
  type LayerKind,
  Mask,
  type MaskContext,
  type ParamInfo,
  type PrunableModel,
  type PruneTarget,
  PruneError,
  type RunReader,
  type RunResolver,
  sizeOf,
  type Weights,
} from '@prunekit/core';
import { createRng, VariableStore } from '@prunekit/tensor';

/** A parameter description; prunable weights by default. */
export function param(
  name: string,
  shape: number[],
  prunable = true,
  layerKind: LayerKind = 'dense',
): ParamInfo {
  return {
    name,
    shape,
    prunable,
    role: prunable ? 'weight' : 'bias',
    layer: name.replace(/\.(weight|bias)$/, ''),
    layerKind,
  };
}

/** Host weights from plain arrays. */
export function weightsOf(params: readonly ParamInfo[], values: Record<string, number[]>): Weights {
  const w: Weights = new Map();
  for (const p of params) {
    const v = values[p.name] ?? new Array(sizeOf(p.shape)).fill(0);
    w.set(p.name, { shape: [...p.shape], data: Float32Array.from(v) });
  }
  return w;
}

/** Seeded normal weights for every parameter. */
export function randomWeights(params: readonly ParamInfo[], seed: number): Weights {
  const rng = createRng(seed);
  const w: Weights = new Map();
  for (const p of params) {
    const d = new Float32Array(sizeOf(p.shape));
    for (let i = 0; i < d.length; i++) d[i] = rng.normal();
    w.set(p.name, { shape: [...p.shape], data: d });
  }
  return w;
}

/** A mask over `params` from plain 0/1 arrays (missing names: all ones). */
export function maskOf(params: readonly ParamInfo[], values: Record<string, number[]> = {}): Mask {
  return new Mask(
    params
      .filter((p) => p.prunable)
      .map((p) => [
        p.name,
        { shape: [...p.shape], data: Uint8Array.from(values[p.name] ?? new Array(sizeOf(p.shape)).fill(1)) },
      ]),
  );
}

/** Mask contents as plain arrays, for `toEqual`. */
export function plain(mask: Mask): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of mask.entries()) out[k] = [...t.data];
  return out;
}

/** A mask context with sensible defaults. */
export function context(input: {
  params: readonly ParamInfo[];
  weights: Weights;
  mask?: Mask;
  target?: PruneTarget;
  seed?: number;
  round?: number;
  extra?: Partial<MaskContext>;
}): MaskContext {
  return {
    params: input.params,
    weights: input.weights,
    mask: input.mask ?? Mask.ones(input.params),
    round: input.round ?? 1,
    target: input.target ?? { kind: 'fraction', fraction: 0.2 },
    rng: createRng(input.seed ?? 1),
    ...input.extra,
  };
}

/** A run resolver over in-memory masks: `runs[dir][round]`. */
export function fakeRuns(runs: Record<string, readonly Mask[]>): RunResolver {
  return (dir: string): RunReader => {
    const masks = runs[dir];
    if (!masks) throw new PruneError('E_REFERENCE', `no run at '${dir}'`);
    return {
      dir,
      lastRound: () => masks.length - 1,
      mask: async (round: number) => {
        const m = masks[round];
        if (!m) throw new PruneError('E_REFERENCE', `run '${dir}' has no mask for round ${round}`);
        return m;
      },
      weights: async () => {
        throw new PruneError('E_REFERENCE', 'not in this fake');
      },
      anchor: async () => {
        throw new PruneError('E_REFERENCE', 'not in this fake');
      },
    };
  };
}

/** A layer of {@link TinyModel}: dense `x·W (+ b)`, then optional batch norm and ReLU. */
export interface TinyLayer {
  readonly name: string;
  readonly weight: HostTensor;
  readonly bias?: HostTensor;
  readonly bn?: { gamma: number[]; beta: number[]; mean: number[]; variance: number[] };
  readonly relu?: boolean;
}

/** A minimal PrunableModel (MLP) on a VariableStore, for gradient scores. */
export class TinyModel extends VariableStore implements PrunableModel {
  readonly name = 'tiny-mlp';
  readonly task = 'regression' as const;
  readonly inputShape: readonly number[];
  readonly outputSize: number;
  readonly #layers: readonly TinyLayer[];

  constructor(layers: readonly TinyLayer[]) {
    super();
    this.#layers = layers;
    this.inputShape = [layers[0]!.weight.shape[0]!];
    this.outputSize = layers[layers.length - 1]!.weight.shape[1]!;
    for (const l of layers) {
      const v = (h: HostTensor | number[], shape?: number[]) =>
        tf.variable(Array.isArray(h) ? tf.tensor(h, shape) : tf.tensor(h.data, [...h.shape]), true);
      this.addParam(param(`${l.name}.weight`, [...l.weight.shape]), v(l.weight));
      if (l.bias) this.addParam(param(`${l.name}.bias`, [...l.bias.shape], false), v(l.bias));
      if (l.bn) {
        const n = l.bn.gamma.length;
        const info = (suffix: string, role: 'bn-gamma' | 'bn-beta'): ParamInfo => ({
          name: `${l.name}.bn.${suffix}`,
          shape: [n],
          prunable: false,
          role,
          layer: `${l.name}.bn`,
          layerKind: 'bn',
        });
        this.addParam(info('gamma', 'bn-gamma'), v(l.bn.gamma, [n]));
        this.addParam(info('beta', 'bn-beta'), v(l.bn.beta, [n]));
        this.addState(
          { name: `${l.name}.bn.mean`, shape: [n], layer: `${l.name}.bn` },
          tf.variable(tf.tensor(l.bn.mean), false),
        );
        this.addState(
          { name: `${l.name}.bn.variance`, shape: [n], layer: `${l.name}.bn` },
          tf.variable(tf.tensor(l.bn.variance), false),
        );
      }
    }
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return tf.tidy(() => {
      let h = x as tf.Tensor2D;
      for (const l of this.#layers) {
        h = tf.matMul(h, this.variable(`${l.name}.weight`) as tf.Tensor2D);
        if (l.bias) h = tf.add(h, this.variable(`${l.name}.bias`));
        if (l.bn) {
          const gamma = this.variable(`${l.name}.bn.gamma`);
          const beta = this.variable(`${l.name}.bn.beta`);
          const meanV = this.stateVariable(`${l.name}.bn.mean`);
          const varV = this.stateVariable(`${l.name}.bn.variance`);
          let mean: tf.Tensor = meanV;
          let variance: tf.Tensor = varV;
          if (training) {
            const m = tf.moments(h, 0);
            mean = m.mean;
            variance = m.variance;
            meanV.assign(tf.add(tf.mul(meanV, 0.9), tf.mul(m.mean, 0.1)));
            varV.assign(tf.add(tf.mul(varV, 0.9), tf.mul(m.variance, 0.1)));
          }
          h = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
        }
        if (l.relu) h = tf.relu(h);
      }
      return h;
    });
  }

  reinitialize(): void {
    throw new PruneError('E_INTERNAL', 'TinyModel.reinitialize is not used in these tests');
  }
}

/** Host tensor shorthand. */
export function host(shape: number[], data: number[]): HostTensor {
  return { shape, data: Float32Array.from(data) };
}

/** Seeded regression batches `[n, d]` → `[n, out]`, created lazily (the consumer disposes them). */
export function regressionBatches(
  seed: number,
  count: number,
  n: number,
  d: number,
  out: number,
): () => Iterable<Batch> {
  return function* () {
    const rng = createRng(seed);
    for (let b = 0; b < count; b++) {
      const xs = Array.from({ length: n * d }, () => rng.normal());
      const ys = Array.from({ length: n * out }, () => rng.normal());
      yield { x: tf.tensor2d(xs, [n, d]), y: tf.tensor2d(ys, [n, out]) };
    }
  };
}

/** Mean squared error. */
export function mse(output: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(output, y)));
}
