/**
 * Typed progress events. Training loops and the runner emit them; the CLI turns them into
 * progress bars, line logs or JSONL (`--json`).
 */
export type PrunekitEvent =
  | {
      readonly type: 'run-start';
      readonly runId: string;
      readonly dir: string;
      readonly rounds: number;
      readonly backend: string;
    }
  | {
      readonly type: 'round-start';
      readonly round: number;
      readonly rounds: number;
      readonly density: number;
      readonly epochs: number;
      readonly stepsPerEpoch: number;
      /** `warmup`: the dense warm-up before round 0's training (round 0 then starts again with `train`). Absent means `train`. */
      readonly phase?: 'warmup' | 'train';
    }
  | { readonly type: 'epoch-start'; readonly round: number; readonly epoch: number; readonly epochs: number }
  | {
      readonly type: 'step';
      readonly round: number;
      readonly epoch: number;
      readonly step: number;
      readonly steps: number;
      readonly loss: number;
      readonly lr: number;
      readonly samplesPerSecond: number;
    }
  | {
      readonly type: 'epoch-end';
      readonly round: number;
      readonly epoch: number;
      readonly loss: number;
      readonly accuracy?: number;
      readonly seconds: number;
    }
  | {
      readonly type: 'eval';
      readonly round: number;
      readonly epoch: number;
      readonly split: 'test' | 'validation' | 'train';
      readonly loss: number;
      readonly accuracy?: number;
    }
  | {
      readonly type: 'prune';
      readonly round: number;
      readonly density: number;
      readonly layerDensity: Readonly<Record<string, number>>;
    }
  | {
      readonly type: 'round-end';
      readonly round: number;
      readonly density: number;
      readonly testAccuracy?: number;
      readonly testLoss: number;
    }
  | { readonly type: 'checkpoint'; readonly round: number; readonly epoch: number; readonly path: string }
  | { readonly type: 'run-end'; readonly runId: string; readonly dir: string; readonly seconds: number }
  | { readonly type: 'log'; readonly level: 'info' | 'warn'; readonly message: string };

/** Receives events. Must not throw. */
export type EventSink = (event: PrunekitEvent) => void;

/**
 * An event sink that drops everything.
 *
 * @example
 * ```ts
 * train({ …, onEvent: noopSink });
 * ```
 */
export const noopSink: EventSink = () => {};
