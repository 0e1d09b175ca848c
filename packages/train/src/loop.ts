import * as tf from '@tensorflow/tfjs-core';
import {
  type Dataset,
  type EventSink,
  type LrSchedule,
  type Mask,
  type PrunableModel,
  PruneError,
  noopSink,
} from '@prunekit/core';
import { multiplyInPlace } from '@prunekit/tensor';
import { type LossFn, lossFor } from './loss.js';
import type { Optimizer } from './optimizers.js';

/** Where training is, passed to hooks. */
export interface StepInfo {
  /** Step within the phase (0-based; the step that just ran). */
  readonly step: number;
  /** Epoch within the phase (0-based). */
  readonly epoch: number;
  /** Global epoch index (data order) = `epochOffset + epoch`. */
  readonly globalEpoch: number;
  /** Loss of the step (for `afterStep`) or mean loss of the epoch (for `onEpochEnd`). */
  readonly loss: number;
  readonly lr: number;
  readonly model: PrunableModel;
}

/**
 * Hooks into the loop. `afterStep` runs after the update and the mask (fixed-sign projection,
 * capturing the rewind anchor at step k); `onEpochEnd` runs after the last step of each epoch of
 * the phase (and after a final partial epoch): sign trackers, sign perturbation, checkpoints.
 */
export interface TrainHooks {
  afterStep?(info: StepInfo): void;
  onEpochEnd?(info: StepInfo & { readonly complete: boolean }): void | Promise<void>;
}

/** Options of {@link trainPhase}. */
export interface TrainPhaseOptions {
  readonly model: PrunableModel;
  readonly data: Dataset;
  readonly optimizer: Optimizer;
  /** Learning rate per step of this phase. */
  readonly schedule: LrSchedule;
  /** Length of the phase in iterations. */
  readonly steps: number;
  readonly batchSize: number;
  /** Data-order seed. */
  readonly dataSeed: number;
  /** Global epoch index of the phase's first epoch (selects the shuffles). Default 0. */
  readonly epochOffset?: number;
  /** Resume: the first step to run (steps before it are taken as done). Default 0. */
  readonly startStep?: number;
  /** Mask to keep: re-applied after every optimizer step, so pruned weights stay exactly zero. */
  readonly mask?: Mask;
  readonly augment?: boolean;
  readonly loss?: LossFn;
  /** Round number, for events and error messages. */
  readonly round?: number;
  readonly onEvent?: EventSink;
  readonly hooks?: TrainHooks;
  /** Emit a `step` event every n steps (default 10; the last step of an epoch always). */
  readonly eventEvery?: number;
}

/** What a phase did. */
export interface PhaseResult {
  readonly steps: number;
  /** Mean training loss of the last epoch run. */
  readonly lastEpochLoss: number;
  /** Learning rate of the last step. */
  readonly lastLr: number;
  readonly seconds: number;
}

/**
 * Upload a host mask as float 0/1 tensors keyed by parameter name. The caller owns them
 * (dispose with `tf.dispose([...m.values()])`).
 *
 * @example
 * ```ts
 * const dm = deviceMask(mask); // … tf.dispose([...dm.values()]);
 * ```
 */
export function deviceMask(mask: Mask): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, t] of mask.entries())
    out.set(name, tf.tensor(Float32Array.from(t.data), [...t.shape], 'float32'));
  return out;
}

/**
 * Multiply a model's prunable variables by a device mask (pruned weights become exactly 0), in
 * place on the wasm and cpu backends (`multiplyInPlace` from `@prunekit/tensor`: no new buffers,
 * and a pass that only reads when the mask is already applied), by `assign` elsewhere.
 *
 * @example
 * ```ts
 * applyMask(model, dm);
 * ```
 */
export function applyMask(model: PrunableModel, mask: ReadonlyMap<string, tf.Tensor>): void {
  for (const [name, m] of mask) multiplyInPlace(model.variable(name), m);
}

/**
 * Train one phase: `steps` iterations of masked SGD/Adam over seeded epochs of the train split.
 * Every optimizer step multiplies the new weights and optimizer slots by the mask, so pruned
 * weights and their momentum are exactly zero at every step. A NaN or infinite loss throws
 * `E_NAN` naming round, epoch and step, before anything of that epoch is checkpointed.
 * The tensor count is the same before and after.
 *
 * @example
 * ```ts
 * await trainPhase({ model, data, optimizer: sgd(model, { momentum: 0.9 }), schedule: cosine(0.1, 0.01, 500),
 *   steps: 500, batchSize: 128, dataSeed: 1, mask });
 * ```
 */
export async function trainPhase(o: TrainPhaseOptions): Promise<PhaseResult> {
  const t0 = performance.now();
  const emit = o.onEvent ?? noopSink;
  const lossFn = o.loss ?? lossFor(o.model.task);
  const round = o.round ?? 0;
  const itersPerEpoch = o.data.batchCount('train', { batchSize: o.batchSize });
  if (itersPerEpoch === 0) {
    throw new PruneError('E_DATA', `dataset '${o.data.name}' has no training examples`, {
      hint: 'check the data directory and limit options',
    });
  }
  const epochs = Math.ceil(o.steps / itersPerEpoch);
  const start = o.startStep ?? 0;
  const epochOffset = o.epochOffset ?? 0;
  const every = Math.max(1, o.eventEvery ?? 10);
  const vars = o.model.params.map((p) => o.model.variable(p.name));
  const nameOf = new Map(o.model.params.map((p) => [o.model.variable(p.name).name, p.name]));
  const dm = o.mask ? deviceMask(o.mask) : undefined;
  let lastEpochLoss = Number.NaN;
  let lr = o.schedule.lr(start);
  try {
    if (dm) {
      applyMask(o.model, dm);
      o.optimizer.maskSlots(dm);
      // Pruned weights stay exactly zero from here on: low-density layers may skip them.
      o.model.setSparsity?.(o.mask);
    }
    let step = start;
    while (step < o.steps) {
      const epoch = Math.floor(step / itersPerEpoch);
      const startBatch = step % itersPerEpoch;
      emit({ type: 'epoch-start', round, epoch, epochs });
      const epochStart = performance.now();
      let epochLoss = 0;
      let epochSteps = 0;
      const batches = o.data.batches('train', {
        batchSize: o.batchSize,
        seed: o.dataSeed,
        epoch: epochOffset + epoch,
        startBatch,
        ...(o.augment === undefined ? {} : { augment: o.augment }),
      });
      for (const { x, y } of batches) {
        if (step >= o.steps || Math.floor(step / itersPerEpoch) !== epoch) {
          x.dispose();
          y.dispose();
          break;
        }
        const stepStart = performance.now();
        lr = o.schedule.lr(step);
        const lossValue = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => lossFn(o.model.forward(x, true), y), vars);
          const l = value.dataSync()[0]!;
          if (Number.isFinite(l)) {
            const named: Record<string, tf.Tensor> = {};
            for (const [k, g] of Object.entries(grads)) named[nameOf.get(k) ?? k] = g;
            // The mask is applied inside the update (weights and slots), one multiply each.
            o.optimizer.apply(named, lr, dm);
          }
          return l;
        });
        const n = x.shape[0]!;
        x.dispose();
        y.dispose();
        if (!Number.isFinite(lossValue)) {
          throw new PruneError(
            'E_NAN',
            `training loss became ${lossValue} in round ${round}, epoch ${epoch + 1}, step ${step + 1} (lr ${lr})`,
            {
              hint: 'lower the learning rate or check the data; the last good checkpoint is kept and `resume` starts from it',
            },
          );
        }
        epochLoss += lossValue;
        epochSteps++;
        const endOfEpoch = (step + 1) % itersPerEpoch === 0 || step + 1 === o.steps;
        o.hooks?.afterStep?.({
          step,
          epoch,
          globalEpoch: epochOffset + epoch,
          loss: lossValue,
          lr,
          model: o.model,
        });
        if ((step + 1) % every === 0 || endOfEpoch) {
          const secs = (performance.now() - stepStart) / 1000;
          emit({
            type: 'step',
            round,
            epoch,
            step: step + 1,
            steps: o.steps,
            loss: lossValue,
            lr,
            samplesPerSecond: secs > 0 ? n / secs : 0,
          });
        }
        step++;
      }
      lastEpochLoss = epochSteps ? epochLoss / epochSteps : Number.NaN;
      const complete = step % itersPerEpoch === 0;
      emit({
        type: 'epoch-end',
        round,
        epoch,
        loss: lastEpochLoss,
        seconds: (performance.now() - epochStart) / 1000,
      });
      await o.hooks?.onEpochEnd?.({
        step: step - 1,
        epoch,
        globalEpoch: epochOffset + epoch,
        loss: lastEpochLoss,
        lr,
        model: o.model,
        complete,
      });
    }
    return { steps: o.steps - start, lastEpochLoss, lastLr: lr, seconds: (performance.now() - t0) / 1000 };
  } finally {
    if (dm) {
      o.model.setSparsity?.(undefined);
      tf.dispose([...dm.values()]);
    }
  }
}
