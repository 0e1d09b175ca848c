import * as tf from '@tensorflow/tfjs-core';
import {
  type HostTensor,
  type ModelSnapshot,
  type ParamInfo,
  type ParamStore,
  PruneError,
  type StateInfo,
  type Weights,
  sameShape,
} from '@prunekit/core';

/**
 * Copy a tensor to the host (synchronously). The tensor stays owned by the caller.
 *
 * @example
 * ```ts
 * const h = toHost(tf.tensor([1, 2]));  // { shape: [2], data: Float32Array [1, 2] }
 * ```
 */
export function toHost(t: tf.Tensor): HostTensor {
  const data =
    t.dtype === 'float32' ? (t.dataSync() as Float32Array).slice() : Float32Array.from(t.dataSync());
  return { shape: [...t.shape], data };
}

/**
 * Make a float32 tensor from a host tensor. The caller owns (and disposes) the result.
 *
 * @example
 * ```ts
 * const t = fromHost({ shape: [2], data: new Float32Array([1, 2]) });
 * ```
 */
export function fromHost(h: HostTensor): tf.Tensor {
  return tf.tensor(h.data, [...h.shape], 'float32');
}

/** A parameter of a {@link VariableStore}: its description and its variable. */
export interface StoredParam {
  readonly info: ParamInfo;
  readonly variable: tf.Variable;
}

/** A state tensor of a {@link VariableStore}. */
export interface StoredState {
  readonly info: StateInfo;
  readonly variable: tf.Variable;
}

/**
 * The one {@link ParamStore} implementation: named tf.Variables with their descriptions.
 * Models and `fromLayersModel` build on it. It owns its variables (dispose() frees them).
 *
 * @example
 * ```ts
 * const store = new VariableStore();
 * store.addParam({ name: 'fc.weight', shape: [4, 2], prunable: true, role: 'weight', layer: 'fc', layerKind: 'dense' },
 *   tf.variable(tf.zeros([4, 2])));
 * const snap = store.snapshot();
 * ```
 */
export class VariableStore implements ParamStore {
  readonly #params = new Map<string, StoredParam>();
  readonly #state = new Map<string, StoredState>();
  #paramList: ParamInfo[] = [];
  #stateList: StateInfo[] = [];

  /** Register a trainable parameter (the store takes ownership of the variable). */
  addParam(info: ParamInfo, variable: tf.Variable): tf.Variable {
    if (this.#params.has(info.name) || this.#state.has(info.name)) {
      throw new PruneError('E_INTERNAL', `parameter name '${info.name}' is used twice`);
    }
    if (!sameShape(info.shape, variable.shape)) {
      throw new PruneError(
        'E_SHAPE',
        `parameter '${info.name}' declared [${info.shape}] but its variable is [${variable.shape}]`,
      );
    }
    this.#params.set(info.name, { info, variable });
    this.#paramList.push(info);
    return variable;
  }

  /** Register a non-trainable state tensor (batch-norm running statistics). */
  addState(info: StateInfo, variable: tf.Variable): tf.Variable {
    if (this.#params.has(info.name) || this.#state.has(info.name)) {
      throw new PruneError('E_INTERNAL', `state name '${info.name}' is used twice`);
    }
    this.#state.set(info.name, { info, variable });
    this.#stateList.push(info);
    return variable;
  }

  get params(): readonly ParamInfo[] {
    return this.#paramList;
  }

  get state(): readonly StateInfo[] {
    return this.#stateList;
  }

  variable(name: string): tf.Variable {
    const p = this.#params.get(name);
    if (!p) throw unknown('parameter', name, [...this.#params.keys()]);
    return p.variable;
  }

  stateVariable(name: string): tf.Variable {
    const s = this.#state.get(name);
    if (!s) throw unknown('state tensor', name, [...this.#state.keys()]);
    return s.variable;
  }

  /** All trainable variables in parameter order (borrowed). */
  variables(): tf.Variable[] {
    return this.#paramList.map((p) => this.#params.get(p.name)!.variable);
  }

  snapshot(): ModelSnapshot {
    const params: Weights = new Map();
    for (const p of this.#paramList) params.set(p.name, toHost(this.#params.get(p.name)!.variable));
    const state: Weights = new Map();
    for (const s of this.#stateList) state.set(s.name, toHost(this.#state.get(s.name)!.variable));
    return { params, state };
  }

  restore(snapshot: Partial<ModelSnapshot>, options: { partial?: boolean } = {}): void {
    // Validate everything first so a bad snapshot changes nothing.
    const plan: [tf.Variable, HostTensor][] = [];
    const collect = (
      kind: string,
      from: Weights | undefined,
      into: Map<string, { variable: tf.Variable }>,
    ) => {
      if (!from) return;
      for (const [name, h] of from) {
        const target = into.get(name);
        if (!target) {
          throw new PruneError(
            'E_CHECKPOINT',
            `the snapshot has ${kind} '${name}', which this model does not have`,
            {
              hint: 'use a checkpoint made for the same model architecture and options',
            },
          );
        }
        if (!sameShape(target.variable.shape, h.shape)) {
          throw new PruneError(
            'E_CHECKPOINT',
            `${kind} '${name}' is [${h.shape}] in the snapshot but [${target.variable.shape}] in the model`,
          );
        }
        plan.push([target.variable, h]);
      }
      if (!options.partial) {
        const missing = [...into.keys()].filter((k) => !from.has(k));
        if (missing.length) {
          throw new PruneError(
            'E_CHECKPOINT',
            `the snapshot lacks ${kind} ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
          );
        }
      }
    };
    collect('parameter', snapshot.params, this.#params);
    collect('state tensor', snapshot.state, this.#state);
    for (const [v, h] of plan) {
      tf.tidy(() => v.assign(tf.tensor(h.data, [...h.shape], 'float32')));
    }
  }

  /** Free every variable. */
  dispose(): void {
    for (const p of this.#params.values()) p.variable.dispose();
    for (const s of this.#state.values()) s.variable.dispose();
    this.#params.clear();
    this.#state.clear();
    this.#paramList = [];
    this.#stateList = [];
  }
}

function unknown(kind: string, name: string, known: string[]): PruneError {
  return new PruneError(
    'E_UNKNOWN_NAME',
    `unknown ${kind} '${name}'; known: ${known.slice(0, 20).join(', ')}${known.length > 20 ? `, … (${known.length})` : ''}`,
  );
}
