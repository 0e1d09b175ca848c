import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import type { Weights } from './host.js';
import type { Mask } from './mask.js';

/** What a parameter is, for allocation rules and reports. */
export type ParamRole = 'weight' | 'bias' | 'bn-gamma' | 'bn-beta' | 'other';

/** What kind of layer a parameter belongs to. */
export type LayerKind = 'dense' | 'conv' | 'bn' | 'embedding' | 'other';

/**
 * Describes one trainable parameter of a model.
 * Names are stable: two fresh instances of a model, and a model reloaded from a checkpoint,
 * use the same names (e.g. `layer1.0.conv1.weight`).
 */
export interface ParamInfo {
  /** Stable, unique name. */
  readonly name: string;
  /** Tensor shape. Dense kernels are `[in, out]`, conv kernels `[kh, kw, in, out]` (NHWC, tfjs layout). */
  readonly shape: readonly number[];
  /** Whether mask strategies may prune it (conv and linear weights: yes; biases and BN: never). */
  readonly prunable: boolean;
  /** What the parameter is. */
  readonly role: ParamRole;
  /** The layer it belongs to (e.g. `layer1.0.conv1`). */
  readonly layer: string;
  /** The kind of that layer. */
  readonly layerKind: LayerKind;
}

/** Describes one non-trainable state tensor (batch-norm running mean / variance). */
export interface StateInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly layer: string;
}

/** A model's parameters and state at one moment, on the host. */
export interface ModelSnapshot {
  /** Trainable parameters by name. */
  readonly params: Weights;
  /** Non-trainable state (batch-norm running statistics) by name. */
  readonly state: Weights;
}

/**
 * Named tensors a pruning method works on: trainable parameters (some prunable) and
 * non-trainable state. Variables are owned by the store: callers borrow them and never dispose.
 */
export interface ParamStore {
  /** Trainable parameters, in a fixed order. */
  readonly params: readonly ParamInfo[];
  /** Non-trainable state (batch-norm running statistics), in a fixed order. */
  readonly state: readonly StateInfo[];
  /** The variable of a parameter (borrowed). Throws `E_UNKNOWN_NAME` for an unknown name. */
  variable(name: string): Variable;
  /** The variable of a state tensor (borrowed). */
  stateVariable(name: string): Variable;
  /** Copy all parameters and state to the host. */
  snapshot(): ModelSnapshot;
  /**
   * Write a snapshot back. Names and shapes must match (`E_CHECKPOINT` otherwise). Pass only
   * `params` or only `state` to leave the other part alone; within a part, missing names are
   * allowed only with `partial: true`.
   */
  restore(snapshot: Partial<ModelSnapshot>, options?: { partial?: boolean }): void;
}

/** Whether a model solves a classification or a regression task. */
export type Task = 'classification' | 'regression';

/**
 * A model prunekit can prune: a {@link ParamStore} plus a forward pass.
 *
 * @example
 * ```ts
 * const logits = tf.tidy(() => model.forward(x, false));
 * ```
 */
export interface PrunableModel extends ParamStore {
  /** Registry name of the architecture (e.g. `resnet18`). */
  readonly name: string;
  /** Input shape of one example, without the batch dimension (NHWC for images). */
  readonly inputShape: readonly number[];
  /** Output width (classes for classification, 1 for the single neuron). */
  readonly outputSize: number;
  /** The task the head is made for. */
  readonly task: Task;
  /**
   * Run the network. `training` selects batch-norm mode: batch statistics (and running-stat
   * updates) when true, running statistics when false. Returns a new tensor owned by the caller.
   */
  forward(x: Tensor, training: boolean): Tensor;
  /** Re-initialize all parameters and state from a seed (the model's own init rule). */
  reinitialize(seed: number): void;
  /** Free every variable. */
  dispose(): void;
  /**
   * Optional: tell the model which weights are pruned (held at exactly zero) so its layers may
   * skip them — masked dense layers below a density threshold switch to sparse kernels. The
   * result equals the masked dense computation up to float rounding. `undefined` returns to
   * dense. Training calls it for a masked phase and clears it after.
   */
  setSparsity?(mask: Mask | undefined): void;
}
