import * as tf from '@tensorflow/tfjs-core';
import {
  type Batch,
  type BatchOptions,
  type Dataset,
  PruneError,
  type Split,
  type Task,
} from '@prunekit/core';
import { createRng } from '@prunekit/tensor';
import { type Augmentation, drawCropFlip, writeCropFlip } from './augment.js';
import { type ChannelStats, channelStats, type NormalizeOption } from './normalize.js';
import { epochOrder } from './order.js';
import { holdOut } from './split.js';

/** The examples of one split in host memory. */
export interface ArraySplit {
  /**
   * Inputs, row-major `[n, ...inputShape]` (NHWC for images). Bytes are multiplied by the
   * dataset's `scale` (default 1/255) when batched; floats by 1 unless `scale` says otherwise.
   */
  readonly x: Float32Array | Uint8Array;
  /** Class ids `[n]` (classification) or targets `[n, outputSize]` (regression). */
  readonly y: Int32Array | Uint8Array | Float32Array;
}

/** Everything {@link createArrayDataset} needs. Host arrays are borrowed, never copied. */
export interface ArrayDatasetSpec {
  /** Registry name, e.g. `cifar10`. */
  readonly name: string;
  readonly task: Task;
  /** Shape of one example (NHWC `[h, w, c]` for images). */
  readonly inputShape: readonly number[];
  /** Classes (classification) or outputs (regression). */
  readonly outputSize: number;
  readonly train: ArraySplit;
  readonly test?: ArraySplit;
  /** Hold out part of train as the validation split: a fraction in (0, 1) or a count (default 0). */
  readonly validation?: number;
  /** Seed of the validation hold-out (default 0). Batch order has its own seed, in `BatchOptions`. */
  readonly seed?: number;
  /** Per-channel normalization (default `'none'`); channels are the last axis of `inputShape`. */
  readonly normalize?: NormalizeOption;
  /** Multiplier applied to raw values before normalization (default 1/255 for bytes, 1 for floats). */
  readonly scale?: number;
  /** Training augmentation for `[h, w, c]` images (default none). */
  readonly augmentation?: Augmentation;
}

/**
 * A {@link Dataset} over host arrays: splits stay in plain `Float32Array`/`Uint8Array` memory
 * and become tensors one batch at a time. Train and validation are index views of the same
 * arrays (no copy). Build one with {@link createArrayDataset}.
 *
 * @example
 * ```ts
 * const data = createArrayDataset({ name: 'pts', task: 'regression', inputShape: [1], outputSize: 1,
 *   train: { x: Float32Array.of(1, 2, 3), y: Float32Array.of(2, 4, 6) }, validation: 1 });
 * data.size('train');      // 2
 * data.order('train', { seed: 0, epoch: 0 }); // the epoch's shuffled positions
 * ```
 */
export class ArrayDataset implements Dataset {
  readonly name: string;
  readonly task: Task;
  readonly inputShape: readonly number[];
  readonly outputSize: number;
  /** The per-channel statistics batches are normalized with (`undefined`: no normalization). */
  readonly normalization: ChannelStats | undefined;
  /** The training augmentation (`undefined`: none). */
  readonly augmentation: Augmentation | undefined;
  /** Multiplier applied to raw values before normalization. */
  readonly scale: number;

  readonly #exampleSize: number;
  readonly #channels: number;
  readonly #parts: Record<Split, { data: ArraySplit; index: Uint32Array | undefined; n: number }>;
  /** Per-channel affine map `raw · a + b` (scaling and normalization folded together). */
  readonly #a: Float64Array;
  readonly #b: Float64Array;

  constructor(spec: ArrayDatasetSpec) {
    this.name = spec.name;
    this.task = spec.task;
    this.inputShape = Object.freeze([...spec.inputShape]);
    this.outputSize = spec.outputSize;
    if (this.inputShape.length === 0 || !this.inputShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new PruneError(
        'E_SHAPE',
        `dataset '${spec.name}': input shape [${this.inputShape.join(', ')}] must be positive integers`,
      );
    }
    if (!Number.isInteger(spec.outputSize) || spec.outputSize < 1) {
      throw new PruneError(
        'E_SHAPE',
        `dataset '${spec.name}': outputSize must be a positive integer, got ${spec.outputSize}`,
      );
    }
    this.#exampleSize = this.inputShape.reduce((p, d) => p * d, 1);
    this.#channels = this.inputShape[this.inputShape.length - 1]!;
    const nTrain = this.#check('train', spec.train);
    const nTest = spec.test ? this.#check('test', spec.test) : 0;
    const { train, validation } = holdOut(nTrain, spec.validation ?? 0, spec.seed ?? 0);
    const test = spec.test ?? { x: new Float32Array(0), y: new Int32Array(0) };
    this.#parts = {
      train: { data: spec.train, index: validation.length === 0 ? undefined : train, n: train.length },
      validation: { data: spec.train, index: validation, n: validation.length },
      test: { data: test, index: undefined, n: nTest },
    };
    this.scale = spec.scale ?? (spec.train.x instanceof Uint8Array ? 1 / 255 : 1);

    const norm = spec.normalize ?? 'none';
    if (norm === 'none') this.normalization = undefined;
    else if (norm === 'train') {
      const index = this.#parts.train.index;
      this.normalization = channelStats(spec.train.x, {
        exampleSize: this.#exampleSize,
        channels: this.#channels,
        scale: this.scale,
        ...(index ? { indices: index } : {}),
      });
    } else {
      if (norm.mean.length !== this.#channels || norm.std.length !== this.#channels) {
        throw new PruneError(
          'E_RECIPE',
          `dataset '${spec.name}': normalize.mean and normalize.std need ${this.#channels} values (one per channel), got ${norm.mean.length} and ${norm.std.length}`,
        );
      }
      if (!norm.std.every((s) => s > 0) || !norm.mean.every(Number.isFinite)) {
        throw new PruneError(
          'E_RECIPE',
          `dataset '${spec.name}': normalize.std must be positive and normalize.mean finite`,
        );
      }
      this.normalization = { mean: [...norm.mean], std: [...norm.std] };
    }
    this.#a = new Float64Array(this.#channels);
    this.#b = new Float64Array(this.#channels);
    for (let c = 0; c < this.#channels; c++) {
      const mean = this.normalization?.mean[c] ?? 0;
      const std = this.normalization?.std[c] ?? 1;
      this.#a[c] = this.scale / std;
      this.#b[c] = mean === 0 ? 0 : -mean / std; // avoid -0 in padding
    }

    if (spec.augmentation && (spec.augmentation.padding > 0 || spec.augmentation.flip)) {
      if (this.inputShape.length !== 3) {
        throw new PruneError(
          'E_RECIPE',
          `dataset '${spec.name}': crop/flip augmentation needs [h, w, c] images, input shape is [${this.inputShape.join(', ')}]`,
          { hint: 'set crop: 0 and flip: false' },
        );
      }
      const p = spec.augmentation.padding;
      if (!Number.isInteger(p) || p < 0) {
        throw new PruneError(
          'E_RECIPE',
          `dataset '${spec.name}': crop padding must be a whole number ≥ 0, got ${p}`,
        );
      }
      this.augmentation = { padding: p, flip: spec.augmentation.flip };
    } else {
      this.augmentation = undefined;
    }
  }

  /** Examples in a split (0 for a split the dataset does not have). */
  size(split: Split): number {
    return this.#part(split).n;
  }

  /** Batches per epoch: `ceil(n / batchSize)`, or `floor` with `dropLast`. */
  batchCount(split: Split, options: Pick<BatchOptions, 'batchSize' | 'dropLast'>): number {
    checkBatchSize(options.batchSize);
    const n = this.#part(split).n;
    return options.dropLast ? Math.floor(n / options.batchSize) : Math.ceil(n / options.batchSize);
  }

  /**
   * The order one epoch visits the split's examples (positions `0..size-1`): shuffled by
   * `createRng(seed).fork('<split>:<epoch>')` unless `shuffle` is false (default: train only).
   */
  order(split: Split, options: Pick<BatchOptions, 'seed' | 'epoch' | 'shuffle'>): Uint32Array {
    const n = this.#part(split).n;
    return epochOrder(n, {
      seed: options.seed,
      epoch: options.epoch ?? 0,
      shuffle: options.shuffle ?? split === 'train',
      stream: split,
    });
  }

  /**
   * Yield the batches of one epoch. Each batch's `x` (float32 `[m, ...inputShape]`) and `y`
   * (int32 `[m]`, or float32 `[m, outputSize]` for regression) are new tensors the caller owns
   * and disposes; nothing else is allocated on the backend. Options are checked when called.
   */
  batches(split: Split, options: BatchOptions): Iterable<Batch> {
    const count = this.batchCount(split, options);
    const epoch = options.epoch ?? 0;
    const start = options.startBatch ?? 0;
    if (!Number.isFinite(options.seed))
      throw new PruneError('E_RECIPE', `batch seed must be a finite number, got ${options.seed}`);
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new PruneError('E_RECIPE', `epoch must be a whole number ≥ 0, got ${epoch}`);
    if (!Number.isInteger(start) || start < 0 || start > count) {
      throw new PruneError(
        'E_RECIPE',
        `startBatch must be a whole number in [0, ${count}] for ${split} of '${this.name}', got ${start}`,
        {
          hint: `one epoch has ${count} batches of ${options.batchSize}`,
        },
      );
    }
    const augment = this.augmentation !== undefined && (options.augment ?? split === 'train');
    return this.#iterate(split, options.batchSize, count, start, epoch, options, augment);
  }

  *#iterate(
    split: Split,
    batchSize: number,
    count: number,
    start: number,
    epoch: number,
    options: BatchOptions,
    augment: boolean,
  ): Generator<Batch> {
    const part = this.#part(split);
    const order = this.order(split, {
      seed: options.seed,
      epoch,
      ...(options.shuffle === undefined ? {} : { shuffle: options.shuffle }),
    });
    // On wasm `tf.tensor` copies host values into the wasm heap, so one host buffer serves every
    // batch: a fresh one per batch (0.4–1.6 MB) costs more in page faults than the gather itself.
    // Other backends may keep a reference to the values (cpu does): a new buffer each time there.
    let scratch: Float32Array | undefined;
    const reuse = tf.getBackend() === 'wasm';
    for (let b = start; b < count; b++) {
      const lo = b * batchSize;
      const hi = Math.min(part.n, lo + batchSize);
      const positions = order.subarray(lo, hi);
      const rng = augment ? createRng(options.seed).fork(`augment:${split}:${epoch}:${b}`) : undefined;
      const want = positions.length * this.#exampleSize;
      const into = reuse
        ? (scratch = scratch?.length === want ? scratch : new Float32Array(want))
        : undefined;
      const { x, y } = this.#gather(part, positions, rng, into);
      const m = hi - lo;
      const xt = tf.tensor(x, [m, ...this.inputShape], 'float32');
      const yt =
        this.task === 'classification'
          ? tf.tensor1d(y as Int32Array, 'int32')
          : tf.tensor2d(y as Float32Array, [m, this.outputSize], 'float32');
      yield { x: xt, y: yt };
    }
  }

  /**
   * Host copies of the (normalized, optionally augmented) examples at split `positions`, into `into`
   * when given (every value is written).
   */
  #gather(
    part: { data: ArraySplit; index: Uint32Array | undefined },
    positions: Uint32Array,
    rng: ReturnType<typeof createRng> | undefined,
    into?: Float32Array,
  ): { x: Float32Array; y: Int32Array | Float32Array } {
    const size = this.#exampleSize;
    const ch = this.#channels;
    const a = this.#a;
    const b = this.#b;
    const src = part.data.x;
    const labels = part.data.y;
    const m = positions.length;
    const x = into ?? new Float32Array(m * size);
    const ySize = this.task === 'classification' ? 1 : this.outputSize;
    const y = this.task === 'classification' ? new Int32Array(m) : new Float32Array(m * ySize);
    for (let k = 0; k < m; k++) {
      const i = part.index ? part.index[positions[k]!]! : positions[k]!;
      const sOff = i * size;
      const dOff = k * size;
      if (rng && this.augmentation) {
        writeCropFlip(src, sOff, x, dOff, this.inputShape, drawCropFlip(this.augmentation, rng), a, b);
      } else if (ch === 1) {
        const a0 = a[0]!;
        const b0 = b[0]!;
        for (let j = 0; j < size; j++) x[dOff + j] = src[sOff + j]! * a0 + b0;
      } else {
        let c = 0;
        for (let j = 0; j < size; j++) {
          x[dOff + j] = src[sOff + j]! * a[c]! + b[c]!;
          if (++c === ch) c = 0;
        }
      }
      for (let j = 0; j < ySize; j++) y[k * ySize + j] = labels[i * ySize + j]!;
    }
    return { x, y };
  }

  #part(split: Split) {
    const part = this.#parts[split];
    if (!part) {
      throw new PruneError('E_RECIPE', `unknown split '${String(split)}'; known: train, validation, test`);
    }
    return part;
  }

  #check(which: 'train' | 'test', s: ArraySplit): number {
    const size = this.#exampleSize;
    if (s.x.length % size !== 0) {
      throw new PruneError(
        'E_DATA',
        `dataset '${this.name}' ${which}: ${s.x.length} input values are not a whole number of examples of shape [${this.inputShape.join(', ')}]`,
      );
    }
    const n = s.x.length / size;
    const ySize = this.task === 'classification' ? 1 : this.outputSize;
    if (s.y.length !== n * ySize) {
      throw new PruneError(
        'E_DATA',
        `dataset '${this.name}' ${which}: ${n} examples but ${s.y.length / ySize} targets`,
      );
    }
    if (this.task === 'classification') {
      for (let i = 0; i < n; i++) {
        const v = s.y[i]!;
        if (!Number.isInteger(v) || v < 0 || v >= this.outputSize) {
          throw new PruneError(
            'E_DATA',
            `dataset '${this.name}' ${which}: label ${v} of example ${i} is not a class id in [0, ${this.outputSize - 1}]`,
          );
        }
      }
    }
    return n;
  }
}

/**
 * Make a {@link Dataset} from host arrays. Third-party datasets can use it too: load your data
 * into typed arrays, describe it, and get seeded batching, hold-out, normalization and
 * augmentation for free.
 *
 * @example
 * ```ts
 * const data = createArrayDataset({
 *   name: 'xor', task: 'classification', inputShape: [2], outputSize: 2,
 *   train: { x: Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1), y: Int32Array.of(0, 1, 1, 0) },
 * });
 * for (const { x, y } of data.batches('train', { batchSize: 2, seed: 1 })) { x.dispose(); y.dispose(); }
 * ```
 */
export function createArrayDataset(spec: ArrayDatasetSpec): ArrayDataset {
  return new ArrayDataset(spec);
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new PruneError('E_RECIPE', `batchSize must be a whole number ≥ 1, got ${batchSize}`);
  }
}
