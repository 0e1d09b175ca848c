import * as tf from '@tensorflow/tfjs-core';
import { type OptimizerState, type ParamStore, PruneError, type Weights, sameShape } from '@prunekit/core';
import { sgdUpdate, toHost } from '@prunekit/tensor';

/**
 * An optimizer over the parameters of a {@link ParamStore}, with its state exportable to the
 * host (for checkpoints, and for weight rewinding, which resets momentum to the anchor's).
 */
export interface Optimizer {
  /** `sgd` or `adam`. */
  readonly kind: string;
  /** Steps taken. */
  readonly steps: number;
  /**
   * Apply one update with learning rate `lr`. `grads` maps parameter names to gradients
   * (borrowed: the caller disposes them). With `mask` (device 0/1 tensors by parameter name,
   * borrowed), each masked parameter's new value and new slots are multiplied by its mask in the
   * same update, so pruned weights and their momentum stay exactly zero; without it the caller
   * masks afterwards.
   */
  apply(grads: Readonly<Record<string, tf.Tensor>>, lr: number, mask?: ReadonlyMap<string, tf.Tensor>): void;
  /** Multiply slot tensors by a mask (so pruned weights carry no stale momentum). */
  maskSlots(mask: ReadonlyMap<string, tf.Tensor>): void;
  /** State on the host. */
  state(): OptimizerState;
  /** Load a state (from {@link state} or a checkpoint); names and shapes must match. */
  setState(state: OptimizerState): void;
  /** Forget all state (fresh optimizer). */
  reset(): void;
  /** Free slot tensors. */
  dispose(): void;
}

/** Options of {@link sgd} (PyTorch semantics: L2 weight decay added to the gradient, dampening 0). */
export interface SgdOptions {
  readonly momentum?: number;
  readonly weightDecay?: number;
  readonly nesterov?: boolean;
}

/** Options of {@link adam} (PyTorch `Adam`: L2 weight decay added to the gradient). */
export interface AdamOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  readonly weightDecay?: number;
}

/** `t · mask` when there is a mask (inside the caller's tidy). */
function masked(t: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
  return mask ? tf.mul(t, mask) : t;
}

abstract class SlotOptimizer implements Optimizer {
  abstract readonly kind: string;
  protected readonly slots = new Map<string, tf.Variable>();
  protected stepCount = 0;

  constructor(
    protected readonly store: ParamStore,
    protected readonly slotNames: readonly string[],
  ) {}

  get steps(): number {
    return this.stepCount;
  }

  protected slot(param: string, slot: string): tf.Variable {
    const key = `${param}/${slot}`;
    let v = this.slots.get(key);
    if (!v) {
      v = tf.variable(tf.zerosLike(this.store.variable(param)), false);
      this.slots.set(key, v);
    }
    return v;
  }

  abstract apply(
    grads: Readonly<Record<string, tf.Tensor>>,
    lr: number,
    mask?: ReadonlyMap<string, tf.Tensor>,
  ): void;

  maskSlots(mask: ReadonlyMap<string, tf.Tensor>): void {
    for (const [key, v] of this.slots) {
      const m = mask.get(key.slice(0, key.lastIndexOf('/')));
      if (m) tf.tidy(() => v.assign(tf.mul(v, m)));
    }
  }

  state(): OptimizerState {
    const slots: Weights = new Map();
    for (const p of this.store.params) {
      for (const s of this.slotNames) {
        const v = this.slots.get(`${p.name}/${s}`);
        slots.set(
          `${p.name}/${s}`,
          v ? toHost(v) : { shape: [...p.shape], data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)) },
        );
      }
    }
    return { kind: this.kind, step: this.stepCount, slots };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== this.kind) {
      throw new PruneError(
        'E_CHECKPOINT',
        `optimizer state is for '${state.kind}' but the optimizer is '${this.kind}'`,
        {
          hint: 'resume with the recipe the run was started with',
        },
      );
    }
    for (const [key, h] of state.slots) {
      const param = key.slice(0, key.lastIndexOf('/'));
      const slot = key.slice(key.lastIndexOf('/') + 1);
      if (!this.slotNames.includes(slot))
        throw new PruneError('E_CHECKPOINT', `unknown optimizer slot '${key}'`);
      const shape = this.store.variable(param).shape;
      if (!sameShape(shape, h.shape))
        throw new PruneError(
          'E_CHECKPOINT',
          `optimizer slot '${key}' is [${h.shape}], parameter is [${shape}]`,
        );
    }
    for (const [key, h] of state.slots) {
      const param = key.slice(0, key.lastIndexOf('/'));
      const slot = key.slice(key.lastIndexOf('/') + 1);
      const v = this.slot(param, slot);
      tf.tidy(() => v.assign(tf.tensor(h.data, [...h.shape], 'float32')));
    }
    this.stepCount = state.step;
  }

  reset(): void {
    this.dispose();
    this.stepCount = 0;
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}

class Sgd extends SlotOptimizer {
  readonly kind = 'sgd';
  readonly #momentum: number;
  readonly #wd: number;
  readonly #nesterov: boolean;

  constructor(store: ParamStore, o: SgdOptions) {
    super(store, o.momentum ? ['momentum'] : []);
    this.#momentum = o.momentum ?? 0;
    this.#wd = o.weightDecay ?? 0;
    this.#nesterov = o.nesterov ?? false;
  }

  apply(grads: Readonly<Record<string, tf.Tensor>>, lr: number, mask?: ReadonlyMap<string, tf.Tensor>): void {
    const mom = this.#momentum;
    const wd = this.#wd;
    tf.tidy(() => {
      for (const p of this.store.params) {
        const g0 = grads[p.name];
        if (!g0) continue;
        const w = this.store.variable(p.name);
        const buf = mom ? this.slot(p.name, 'momentum') : undefined;
        const m = mask?.get(p.name);
        // One fused kernel on wasm and cpu (bit-identical to the ops below).
        const fused = sgdUpdate(w, g0, buf, m, {
          lr,
          momentum: mom,
          weightDecay: wd,
          nesterov: this.#nesterov,
        });
        if (fused) {
          w.assign(fused.w);
          if (buf && fused.buf) buf.assign(fused.buf);
          continue;
        }
        const g = wd ? tf.add(g0, tf.mul(w, wd)) : g0;
        let d = g;
        if (buf) {
          const nb = masked(tf.add(tf.mul(buf, mom), g), m);
          buf.assign(nb);
          d = this.#nesterov ? tf.add(g, tf.mul(nb, mom)) : nb;
        }
        w.assign(masked(tf.sub(w, tf.mul(d, lr)), m));
      }
    });
    this.stepCount++;
  }
}

class Adam extends SlotOptimizer {
  readonly kind = 'adam';
  readonly #o: Required<AdamOptions>;

  constructor(store: ParamStore, o: AdamOptions) {
    super(store, ['m', 'v']);
    this.#o = {
      beta1: o.beta1 ?? 0.9,
      beta2: o.beta2 ?? 0.999,
      epsilon: o.epsilon ?? 1e-8,
      weightDecay: o.weightDecay ?? 0,
    };
  }

  apply(grads: Readonly<Record<string, tf.Tensor>>, lr: number, mask?: ReadonlyMap<string, tf.Tensor>): void {
    const { beta1, beta2, epsilon, weightDecay } = this.#o;
    const t = this.stepCount + 1;
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    tf.tidy(() => {
      for (const p of this.store.params) {
        const g0 = grads[p.name];
        if (!g0) continue;
        const w = this.store.variable(p.name);
        const m = this.slot(p.name, 'm');
        const v = this.slot(p.name, 'v');
        const k = mask?.get(p.name);
        const g = weightDecay ? tf.add(g0, tf.mul(w, weightDecay)) : g0;
        const nm = masked(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)), k);
        const nv = masked(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)), k);
        m.assign(nm);
        v.assign(nv);
        const denom = tf.add(tf.sqrt(tf.div(nv, bc2)), epsilon);
        w.assign(masked(tf.sub(w, tf.mul(tf.div(nm, denom), lr / bc1)), k));
      }
    });
    this.stepCount = t;
  }
}

/**
 * SGD with momentum and L2 weight decay, as PyTorch's `torch.optim.SGD` (the paper's optimizer:
 * momentum 0.9, weight decay 1e-4). Slots: `momentum`.
 *
 * @example
 * ```ts
 * const opt = sgd(model, { momentum: 0.9, weightDecay: 1e-4 });
 * opt.apply(grads, 0.1);
 * ```
 */
export function sgd(store: ParamStore, options: SgdOptions = {}): Optimizer {
  return new Sgd(store, options);
}

/**
 * Adam (PyTorch semantics, bias-corrected); its learning rate follows the schedule too.
 * Slots: `m`, `v`.
 *
 * @example
 * ```ts
 * const opt = adam(model, { weightDecay: 0 });
 * ```
 */
export function adam(store: ParamStore, options: AdamOptions = {}): Optimizer {
  return new Adam(store, options);
}

/** An optimizer spec as written in recipes. */
export type OptimizerSpec =
  | ({ readonly kind: 'sgd' } & SgdOptions)
  | ({ readonly kind: 'adam' } & AdamOptions);

/**
 * Build an optimizer from a recipe spec.
 *
 * @example
 * ```ts
 * createOptimizer(model, { kind: 'sgd', momentum: 0.9, weightDecay: 1e-4 });
 * ```
 */
export function createOptimizer(store: ParamStore, spec: OptimizerSpec): Optimizer {
  switch (spec.kind) {
    case 'sgd':
      return sgd(store, spec);
    case 'adam':
      return adam(store, spec);
    default:
      throw new PruneError(
        'E_RECIPE',
        `unknown optimizer '${(spec as { kind: string }).kind}'; known: sgd, adam`,
      );
  }
}
