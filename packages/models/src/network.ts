import * as tf from '@tensorflow/tfjs-core';
import {
  type Mask,
  type ParamInfo,
  type PrunableModel,
  PruneError,
  type Rng,
  type StateInfo,
  type Task,
  sizeOf,
} from '@prunekit/core';
import {
  SparsePattern,
  VariableStore,
  createRng,
  registerSparseKernels,
  sparseDensityThreshold,
  sparseMatMulSupported,
} from '@prunekit/tensor';

/** What an init rule sees: the parameter, a generator of its own, and the tensors initialized before it. */
export interface InitContext {
  /** The parameter (or state tensor) being initialized. */
  readonly name: string;
  readonly shape: readonly number[];
  /** Number of elements to return. */
  readonly size: number;
  /**
   * A generator for this tensor alone: `createRng(seed).fork(name)`. Values therefore do not
   * depend on the order in which tensors are declared.
   */
  readonly rng: Rng;
  /** The seed of this init pass. */
  readonly seed: number;
  /**
   * The values of a tensor initialized earlier in this pass (declared before this one), e.g. the
   * balanced init of the single neuron reads `w` to set |a| = ‖w‖. Throws for any other name.
   */
  value(name: string): Float32Array;
}

/**
 * How a tensor gets its initial values: a host `Float32Array` of `ctx.size` values, drawn from
 * `ctx.rng` only, so init is identical on every backend.
 */
export type InitRule = (ctx: InitContext) => Float32Array;

/**
 * Kaiming-normal (He) init, fan-in mode with the ReLU gain: N(0, 2 / fanIn), as PyTorch's
 * `kaiming_normal_(w, mode='fan_in', nonlinearity='relu')`.
 *
 * @example
 * ```ts
 * const rule = kaimingNormal(3 * 3 * 16); // a 3×3 conv with 16 input channels
 * ```
 */
export function kaimingNormal(fanIn: number): InitRule {
  if (!(fanIn > 0)) throw new PruneError('E_SHAPE', `kaimingNormal: fan-in must be positive, got ${fanIn}`);
  return normalInit(Math.sqrt(2 / fanIn));
}

/**
 * N(0, std²) init.
 *
 * @example
 * ```ts
 * const rule = normalInit(0.01);
 * ```
 */
export function normalInit(std: number): InitRule {
  return ({ rng, size }) => fillNormal(rng, new Float32Array(size), std);
}

/**
 * Fill `out` with N(0, std²) draws from `rng` (Marsaglia's polar method on 32-bit uniforms:
 * several times faster than `rng.normal()` per value, which matters for the 24 M weights of a
 * ResNet-50). Returns `out`.
 *
 * @example
 * ```ts
 * const w = fillNormal(createRng(1), new Float32Array(10), 0.1);
 * ```
 */
export function fillNormal(rng: Rng, out: Float32Array, std = 1): Float32Array {
  const scale = 2 / 4294967296;
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = rng.nextU32() * scale - 1;
      v = rng.nextU32() * scale - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s) * std;
    out[i] = u * m;
    if (i + 1 < n) out[i + 1] = v * m;
  }
  return out;
}

/**
 * Constant init (zeros for biases and running means, ones for BN gamma and running variances).
 *
 * @example
 * ```ts
 * const zeros = constantInit(0);
 * ```
 */
export function constantInit(value: number): InitRule {
  return ({ size }) => new Float32Array(size).fill(value);
}

/** The forward function a {@link Network} runs (inside a `tf.tidy`). */
export type ForwardFn = (x: tf.Tensor, training: boolean) => tf.Tensor;

/** What a {@link Network} is, besides its tensors. */
export interface NetworkSpec {
  /** Registry name of the architecture. */
  readonly name: string;
  /** Shape of one input example, without the batch dimension (NHWC for images). */
  readonly inputShape: readonly number[];
  /** Output width. */
  readonly outputSize: number;
  readonly task: Task;
}

/**
 * A {@link PrunableModel} built from tf ops on a {@link VariableStore}: declare parameters and
 * state with init rules inside `define`, return the forward function. Every tensor is drawn on
 * the host from `createRng(seed).fork(name)` and uploaded, so init is bit-identical on every
 * backend and independent of declaration order. The network owns its variables (`dispose()`).
 *
 * @example
 * ```ts
 * const net = new Network({ name: 'tiny', inputShape: [4], outputSize: 2, task: 'classification' }, 0,
 *   (n) => { const fc = dense(n, 'fc', 4, 2); return (x) => fc(x); });
 * const y = tf.tidy(() => net.forward(tf.ones([3, 4]), false)); // [3, 2], caller disposes
 * ```
 */
export class Network extends VariableStore implements PrunableModel {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputSize: number;
  readonly task: Task;
  readonly #inits = new Map<string, { shape: readonly number[]; rule: InitRule; variable: tf.Variable }>();
  readonly #forward: ForwardFn;
  readonly #sparse = new Map<string, SparsePattern>();
  // The pass in progress while `define` declares tensors.
  #building: Pass | undefined;

  /**
   * @param spec name, input shape, output size and task.
   * @param seed seed of the initial values.
   * @param define declares the tensors (via {@link Network.param} / {@link Network.stateTensor}
   *   or the layer helpers) and returns the forward function.
   */
  constructor(spec: NetworkSpec, seed: number, define: (net: Network) => ForwardFn) {
    super();
    this.name = spec.name;
    this.inputShape = [...spec.inputShape];
    this.outputSize = spec.outputSize;
    this.task = spec.task;
    this.#building = this.#pass(seed);
    try {
      this.#forward = define(this);
    } catch (e) {
      this.dispose();
      throw e;
    } finally {
      this.#building = undefined;
    }
  }

  /**
   * Declare a trainable parameter with its init rule (only inside `define`). Returns its
   * variable, owned by the network.
   */
  param(info: ParamInfo, rule: InitRule): tf.Variable {
    const v = this.#variable(info.name, info.shape, rule, true);
    this.#inits.set(info.name, { shape: info.shape, rule, variable: v });
    return this.addParam(info, v);
  }

  /** Declare a non-trainable state tensor (e.g. BN running mean) with its init rule (only inside `define`). */
  stateTensor(info: StateInfo, rule: InitRule): tf.Variable {
    const v = this.#variable(info.name, info.shape, rule, false);
    this.#inits.set(info.name, { shape: info.shape, rule, variable: v });
    return this.addState(info, v);
  }

  #variable(name: string, shape: readonly number[], rule: InitRule, trainable: boolean): tf.Variable {
    const b = this.#building;
    if (!b)
      throw new PruneError('E_INTERNAL', `'${this.name}': tensor '${name}' declared after construction`);
    const initial = tf.tensor(draw(name, shape, rule, b), [...shape], 'float32');
    const v = tf.variable(initial, trainable);
    initial.dispose(); // the variable keeps the data
    return v;
  }

  /**
   * Run the network on a batch `x` of shape `[batch, ...inputShape]`. `training` selects batch
   * statistics (and running-stat updates) instead of running statistics in batch norm. Returns
   * a new tensor owned by the caller; temporaries are freed.
   */
  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    checkInput(this.name, this.inputShape, x);
    return tf.tidy(() => this.#forward(x, training));
  }

  /**
   * Let masked dense weights use the sparse kernels: every 2-D dense weight whose mask keeps at
   * most `maxDensity` (default {@link sparseDensityThreshold}: `PRUNEKIT_SPARSE_DENSITY` or 0.45)
   * of its entries runs its product, input gradient and weight gradient over the kept entries
   * only, on backends that have the kernels (wasm, cpu). Pruned weights must be exactly zero
   * while it is set (masked training keeps them so); `undefined` returns to dense products.
   *
   * @example
   * ```ts
   * net.setSparsity(mask);      // training at density 0.1: sparse dense layers
   * net.sparseLayers();         // ['fc1.weight', 'fc2.weight', 'fc3.weight']
   * net.setSparsity(undefined); // back to dense
   * ```
   */
  setSparsity(mask: Mask | undefined, options: { readonly maxDensity?: number } = {}): void {
    this.#sparse.clear();
    if (!mask) return;
    const maxDensity = options.maxDensity ?? sparseDensityThreshold();
    if (!(maxDensity > 0) || !sparseMatMulSupported()) return;
    registerSparseKernels();
    for (const p of this.params) {
      if (p.layerKind !== 'dense' || p.shape.length !== 2 || !mask.has(p.name)) continue;
      const bits = mask.get(p.name).data;
      let kept = 0;
      for (let i = 0; i < bits.length; i++) kept += bits[i]!;
      if (kept / bits.length <= maxDensity) {
        this.#sparse.set(p.name, SparsePattern.fromMask(bits, p.shape[0]!, p.shape[1]!));
      }
    }
  }

  /** Names of the weights that currently run sparse (see {@link Network.setSparsity}). */
  sparseLayers(): string[] {
    return [...this.#sparse.keys()];
  }

  /** The sparse pattern of weight `name` while {@link Network.setSparsity} applies to it. */
  sparsePattern(name: string): SparsePattern | undefined {
    return this.#sparse.size && sparseMatMulSupported() ? this.#sparse.get(name) : undefined;
  }

  #pass(seed: number): Pass {
    const done = new Set<string>();
    const value = (name: string): Float32Array => {
      const entry = this.#inits.get(name);
      if (!entry || !done.has(name)) {
        throw new PruneError(
          'E_INTERNAL',
          `'${this.name}': init rule asked for '${name}', which is not initialized before it`,
        );
      }
      return entry.variable.dataSync() as Float32Array;
    };
    return { seed, root: createRng(seed), done, value };
  }

  /** Re-draw every parameter and state tensor from `seed` (same values as a fresh instance with that seed). */
  reinitialize(seed: number): void {
    const pass = this.#pass(seed);
    for (const [name, { shape, rule, variable }] of this.#inits) {
      const data = draw(name, shape, rule, pass);
      tf.tidy(() => variable.assign(tf.tensor(data, [...shape], 'float32')));
    }
  }

  override dispose(): void {
    super.dispose();
    this.#sparse.clear();
    this.#inits.clear();
  }
}

/** One init pass: the seed, its root generator, and the names initialized so far. */
interface Pass {
  readonly seed: number;
  readonly root: Rng;
  readonly done: Set<string>;
  readonly value: (name: string) => Float32Array;
}

function draw(name: string, shape: readonly number[], rule: InitRule, pass: Pass): Float32Array {
  const size = sizeOf(shape);
  const data = rule({ name, shape, size, rng: pass.root.fork(name), seed: pass.seed, value: pass.value });
  if (data.length !== size) {
    throw new PruneError(
      'E_INTERNAL',
      `init rule of '${name}' returned ${data.length} values, shape [${shape}] needs ${size}`,
    );
  }
  pass.done.add(name);
  return data;
}

/** Throws `E_SHAPE` unless `x` is `[batch, ...inputShape]` (dimensions < 0 in inputShape match anything). */
export function checkInput(model: string, inputShape: readonly number[], x: tf.Tensor): void {
  const ok =
    x.rank === inputShape.length + 1 &&
    inputShape.every((d, i) => d < 0 || x.shape[i + 1] === d) &&
    x.shape[0]! > 0;
  if (!ok) {
    throw new PruneError(
      'E_SHAPE',
      `model '${model}' expects input [batch, ${inputShape.join(', ')}]${inputShape.length === 3 ? ' (NHWC)' : ''}, got [${x.shape.join(', ')}]`,
      {
        hint:
          inputShape.length === 3 && x.rank === 4 && x.shape[1] === inputShape[2]
            ? 'images must be channels-last (NHWC); transpose with tf.transpose(x, [0, 2, 3, 1])'
            : 'set the model option inputShape to match the dataset',
      },
    );
  }
}
