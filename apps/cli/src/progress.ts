import type { EventSink, PrunekitEvent } from '@prunekit/core';

/** How progress is shown: live bars (TTY), plain lines (CI, files), JSONL on stdout, or nothing. */
export type ProgressMode = 'tty' | 'lines' | 'json' | 'quiet';

/** A progress renderer: feed it events; `clear` removes a live bar before other output. */
export interface Progress {
  readonly sink: EventSink;
  clear(): void;
}

interface Out {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown; readonly columns?: number };
  /** `$COLUMNS`, used when the terminal does not report its width. */
  readonly columnsEnv?: string | undefined;
}

/**
 * Turn {@link PrunekitEvent}s into output. `tty`: one live line on stderr per round/epoch
 * (bar, loss, accuracy, density, samples/s, ETA), redrawn at most 10× a second, and a permanent
 * line per finished round. `lines`: one line per round start, epoch, round end and log message.
 * `json`: every event as one JSON line on stdout. `quiet`: only nothing.
 *
 * @example
 * ```ts
 * const p = createProgress('lines', { stdout: process.stdout, stderr: process.stderr });
 * await runExperiment(recipe, { onEvent: p.sink });
 * ```
 */
export function createProgress(
  mode: ProgressMode,
  out: Out,
  now: () => number = () => performance.now(),
): Progress {
  if (mode === 'quiet') return { sink: () => {}, clear: () => {} };
  if (mode === 'json') {
    return {
      sink: (e) => {
        out.stdout.write(
          `${JSON.stringify(e, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}\n`,
        );
      },
      clear: () => {},
    };
  }
  const s = new RunState(now);
  if (mode === 'lines') return { sink: (e) => linesSink(e, s, out), clear: () => {} };
  return ttyProgress(s, out, now);
}

/** What the renderers remember between events. */
class RunState {
  rounds = 0;
  round = 0;
  density = 1;
  epochs = 1;
  stepsPerEpoch = 1;
  epoch = 0;
  step = 0;
  steps = 0;
  loss = Number.NaN;
  accuracy: number | undefined;
  samplesPerSecond = 0;
  /** Steps per second (wall clock between step events, smoothed). */
  stepRate = 0;
  lastStepAt = 0;
  lastStep = 0;
  epochSamples: number[] = [];
  roundStartedAt = 0;
  /** In the dense warm-up (round-start with `phase: 'warmup'`). */
  warmup = false;
  /** Round 0 started before without a round-end: this start is its training after a warm-up. */
  afterWarmup = false;
  private round0Starts = 0;
  constructor(readonly now: () => number) {}

  on(e: PrunekitEvent): void {
    switch (e.type) {
      case 'run-start':
        this.rounds = e.rounds;
        this.accuracy = undefined;
        this.round0Starts = 0;
        break;
      case 'round-start':
        this.warmup = e.phase === 'warmup';
        this.round0Starts = e.round === 0 ? this.round0Starts + 1 : 0;
        this.afterWarmup =
          e.round === 0 && !this.warmup && (e.phase === 'train' ? false : this.round0Starts > 1);
        this.round = e.round;
        this.rounds = e.rounds;
        this.density = e.density;
        this.epochs = Math.max(1, e.epochs);
        this.stepsPerEpoch = Math.max(1, e.stepsPerEpoch);
        this.step = 0;
        this.epoch = 0;
        this.steps = this.epochs * this.stepsPerEpoch;
        this.lastStepAt = this.now();
        this.lastStep = 0;
        this.roundStartedAt = this.now();
        break;
      case 'epoch-start':
        this.epoch = e.epoch;
        this.epochs = Math.max(1, e.epochs);
        this.epochSamples = [];
        break;
      case 'step': {
        const t = this.now();
        if (e.step > this.lastStep && t > this.lastStepAt && this.lastStep > 0) {
          const rate = ((e.step - this.lastStep) * 1000) / (t - this.lastStepAt);
          this.stepRate = this.stepRate ? 0.7 * this.stepRate + 0.3 * rate : rate;
        }
        this.lastStep = e.step;
        this.lastStepAt = t;
        this.step = e.step;
        this.steps = e.steps;
        this.loss = e.loss;
        this.samplesPerSecond = this.samplesPerSecond
          ? 0.7 * this.samplesPerSecond + 0.3 * e.samplesPerSecond
          : e.samplesPerSecond;
        this.epochSamples.push(e.samplesPerSecond);
        break;
      }
      case 'epoch-end':
        this.loss = e.loss;
        break;
      case 'eval':
        if (e.split === 'test' && e.accuracy !== undefined) this.accuracy = e.accuracy;
        break;
      case 'round-end':
        if (e.testAccuracy !== undefined) this.accuracy = e.testAccuracy;
        this.density = e.density;
        break;
      case 'prune':
        this.density = e.density;
        break;
      default:
        break;
    }
  }

  /** Seconds left in the run: this phase's steps plus the later rounds at this phase's length. */
  eta(): number | undefined {
    if (!this.stepRate) return undefined;
    const phaseSteps = Math.max(this.steps, 1);
    const later = this.rounds - this.round + (this.warmup ? 1 : 0);
    return (Math.max(0, this.steps - this.step) + later * phaseSteps) / this.stepRate;
  }

  label(): string {
    if (this.warmup) return 'warm-up';
    return `round ${this.round}/${this.rounds}${this.afterWarmup ? ' (after warm-up)' : ''}`;
  }
}

function linesSink(e: PrunekitEvent, s: RunState, out: Out): void {
  s.on(e);
  const w = (line: string) => out.stderr.write(`${line}\n`);
  switch (e.type) {
    case 'run-start':
      w(`run ${e.runId} (${e.rounds} pruning round${e.rounds === 1 ? '' : 's'}, backend ${e.backend})`);
      w(`  dir ${e.dir}`);
      break;
    case 'round-start':
      w(
        `${s.label()}: density ${pct(e.density)}, ${e.epochs} epoch${e.epochs === 1 ? '' : 's'} × ${e.stepsPerEpoch} steps`,
      );
      break;
    case 'epoch-end': {
      const sps = s.epochSamples.length
        ? s.epochSamples.reduce((a, b) => a + b, 0) / s.epochSamples.length
        : 0;
      w(
        `  ${s.label()} epoch ${e.epoch + 1}/${s.epochs}: loss ${num(e.loss)}, ${rate(sps)} samples/s, ${e.seconds.toFixed(1)} s`,
      );
      break;
    }
    case 'eval':
      w(
        `  ${s.label()} epoch ${e.epoch}: ${e.split} loss ${num(e.loss)}${e.accuracy === undefined ? '' : `, accuracy ${pct(e.accuracy)}`}`,
      );
      break;
    case 'round-end':
      w(roundLine(e, s));
      break;
    case 'prune':
      w(`pruned for round ${e.round}: density ${pct(e.density)}`);
      break;
    case 'run-end':
      w(`run ${e.runId} finished in ${duration(e.seconds)}`);
      break;
    case 'log':
      w(e.level === 'warn' ? `warning: ${e.message}` : e.message);
      break;
    default:
      break;
  }
}

function roundLine(e: Extract<PrunekitEvent, { type: 'round-end' }>, s: RunState): string {
  const secs = (s.now() - s.roundStartedAt) / 1000;
  const acc = e.testAccuracy === undefined ? '' : `test accuracy ${pct(e.testAccuracy)}, `;
  return `round ${e.round}/${s.rounds} done: ${acc}test loss ${num(e.testLoss)}, density ${pct(e.density)} (${duration(secs)})`;
}

function ttyProgress(s: RunState, out: Out, now: () => number): Progress {
  let live = false;
  let lastDraw = 0;
  const clear = () => {
    if (live) out.stderr.write('\r\x1b[2K');
    live = false;
  };
  const print = (line: string) => {
    clear();
    out.stderr.write(`${line}\n`);
  };
  const draw = (force = false) => {
    const t = now();
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    const cols = Math.max(40, (out.stderr.columns || Number(out.columnsEnv) || 100) - 1);
    const frac = s.steps ? Math.min(1, s.step / s.steps) : 0;
    const eta = s.eta();
    const parts = [
      `ep ${s.epoch + 1}/${s.epochs}`,
      `loss ${num(s.loss)}`,
      ...(s.accuracy === undefined ? [] : [`acc ${pct(s.accuracy)}`]),
      `density ${pct(s.density)}`,
      ...(s.samplesPerSecond > 0 ? [`${rate(s.samplesPerSecond)} samples/s`] : []),
      ...(eta === undefined ? [] : [`ETA ${clock(eta)}`]),
    ].join(' · ');
    const head = `${s.label()} `;
    const barWidth = cols >= 110 ? 24 : cols >= 80 ? 16 : 10;
    const filled = Math.round(frac * barWidth);
    const line = `${head}${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)} ${String(Math.floor(frac * 100)).padStart(3)}% ${parts}`;
    out.stderr.write(`\r\x1b[2K${line.length > cols ? line.slice(0, cols - 1) + '…' : line}`);
    live = true;
  };
  const sink: EventSink = (e) => {
    s.on(e);
    switch (e.type) {
      case 'run-start':
        print(
          `run ${e.runId} (${e.rounds} pruning round${e.rounds === 1 ? '' : 's'}, backend ${e.backend})\n  dir ${e.dir}`,
        );
        break;
      case 'round-start':
      case 'epoch-start':
        draw(true);
        break;
      case 'step':
        draw();
        break;
      case 'round-end':
        print(roundLine(e, s));
        break;
      case 'run-end':
        print(`run ${e.runId} finished in ${duration(e.seconds)}`);
        break;
      case 'log':
        print(e.level === 'warn' ? `warning: ${e.message}` : e.message);
        break;
      default:
        break;
    }
  };
  return { sink, clear };
}

/** `0.8372` → `83.7%` (small densities get more digits: `0.41%`). */
export function pct(v: number): string {
  const p = v * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(1) : p >= 1 ? p.toFixed(2) : p.toPrecision(2)}%`;
}

function num(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : '–';
}

function rate(v: number): string {
  return v >= 10_000 ? `${(v / 1000).toFixed(1)}k` : Math.round(v).toLocaleString('en-US');
}

/** Seconds as `m:ss` (or `h:mm:ss`). */
export function clock(secs: number): string {
  const t = Math.max(0, Math.round(secs));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Seconds as `12.3 s` or `2 min 05 s`. */
export function duration(secs: number): string {
  if (secs < 90) return `${secs.toFixed(1)} s`;
  const m = Math.floor(secs / 60);
  return `${m} min ${String(Math.round(secs - 60 * m)).padStart(2, '0')} s`;
}

/**
 * The combined progress of work spread over worker processes (`--jobs N`): the workers' events
 * go in with the worker's number, and come out as one display.
 */
export interface JobsProgress {
  /** Worker `w` (0-based) starts a unit of work (a run, the one-neuron study); `label` names it. */
  start(w: number, label: string): void;
  /** An event of worker `w`'s current unit. */
  event(w: number, e: PrunekitEvent): void;
  /** Worker `w`'s current unit ended (finished, skipped or failed). */
  end(w: number): void;
  /** A message of the parent process. */
  log(level: 'info' | 'warn', message: string): void;
  /** Fraction of all units done (finished units plus the running units' progress), 0 … 1. */
  fraction(): number;
  /** Remove the live line before other output. */
  clear(): void;
}

/**
 * One progress display for `units` units of work run by `workers` worker processes. `tty`: the
 * workers' run, round and log lines (prefixed `[1]`, `[2]`, …) and one live line over all units:
 * bar, percent, what each worker does, samples/s summed over the workers and ETA (from the elapsed
 * time and the fraction done, so it accounts for the parallelism). `lines`: the workers' lines,
 * prefixed, plus an `[all]` line whenever a unit ends. `json`: every worker event as one JSON line
 * with a `worker` field (1-based). `quiet`: nothing. Repeated info messages of different workers
 * (the backend line) are shown once.
 *
 * @example
 * ```ts
 * const p = createJobsProgress('lines', { stdout: process.stdout, stderr: process.stderr }, { workers: 2, units: 4 });
 * p.start(0, 'point 0: mlp.gaussian-mixture.lr-rewind-1a2b3c4d');
 * p.event(0, { type: 'run-start', runId: 'mlp-1', dir: 'runs/mlp-1', rounds: 3, backend: 'wasm' });
 * p.end(0);
 * ```
 */
export function createJobsProgress(
  mode: ProgressMode,
  out: Out,
  o: { readonly workers: number; readonly units: number },
  now: () => number = () => performance.now(),
): JobsProgress {
  const t0 = now();
  const states = Array.from({ length: o.workers }, () => new RunState(now));
  const active: boolean[] = new Array(o.workers).fill(false);
  const warm: boolean[] = new Array(o.workers).fill(false);
  const phase: number[] = new Array(o.workers).fill(0);
  const seen = new Set<string>();
  let done = 0;
  let live = false;
  let lastDraw = Number.NEGATIVE_INFINITY;
  const tag = (w: number) => `[${w + 1}]`;

  const running = (w: number): number => {
    const s = states[w]!;
    if (!active[w] || !s.rounds) return 0;
    const phases = s.rounds + 1 + (warm[w] ? 1 : 0);
    return Math.min(1, (phase[w]! + (s.steps ? Math.min(1, s.step / s.steps) : 0)) / phases);
  };
  const fraction = () =>
    o.units ? Math.min(1, (done + states.reduce((a, _s, w) => a + running(w), 0)) / o.units) : 1;
  const eta = (): number | undefined => {
    const f = fraction();
    const elapsed = (now() - t0) / 1000;
    return f > 0.005 && f < 1 ? (elapsed * (1 - f)) / f : undefined;
  };
  const overall = () => {
    const e = eta();
    return `${done}/${o.units} finished, ${Math.floor(fraction() * 100)}%${e === undefined ? '' : `, ETA ${clock(e)}`}`;
  };
  const clear = () => {
    if (live) out.stderr.write('\r\x1b[2K');
    live = false;
  };
  const print = (line: string) => {
    clear();
    out.stderr.write(`${line}\n`);
  };
  const prefixed = (w: number): Out => ({
    stdout: out.stdout,
    stderr: {
      write: (s: string) =>
        print(
          s
            .replace(/\n$/, '')
            .split('\n')
            .map((l) => `${tag(w)} ${l}`)
            .join('\n'),
        ),
    },
  });
  const draw = (force = false) => {
    if (mode !== 'tty') return;
    const t = now();
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    const cols = Math.max(40, (out.stderr.columns || Number(out.columnsEnv) || 100) - 1);
    const f = fraction();
    const barWidth = cols >= 110 ? 24 : cols >= 80 ? 16 : 10;
    const filled = Math.round(f * barWidth);
    const sps = states.reduce((a, s, w) => a + (active[w] ? s.samplesPerSecond : 0), 0);
    const e = eta();
    const parts = [
      ...states.flatMap((s, w) =>
        active[w] && s.rounds ? [`${tag(w)} ${s.label()} ep ${s.epoch + 1}/${s.epochs}`] : [],
      ),
      ...(sps > 0 ? [`${rate(sps)} samples/s`] : []),
      ...(e === undefined ? [] : [`ETA ${clock(e)}`]),
    ].join(' · ');
    const line = `${done}/${o.units} ${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)} ${String(Math.floor(f * 100)).padStart(3)}% ${parts}`;
    out.stderr.write(`\r\x1b[2K${line.length > cols ? `${line.slice(0, cols - 1)}…` : line}`);
    live = true;
  };
  const json = (e: object) =>
    out.stdout.write(
      `${JSON.stringify(e, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}\n`,
    );

  return {
    start(w, label) {
      states[w] = new RunState(now);
      active[w] = true;
      warm[w] = false;
      phase[w] = 0;
      if (mode === 'json') json({ type: 'log', level: 'info', message: `${tag(w)} ${label}`, worker: w + 1 });
      else if (mode !== 'quiet') print(`${tag(w)} ${label}`);
      draw(true);
    },
    event(w, e) {
      if (mode === 'quiet') return;
      if (mode === 'json') {
        json({ ...e, worker: w + 1 });
        return;
      }
      if (e.type === 'log' && e.level === 'info') {
        if (seen.has(e.message)) return;
        seen.add(e.message);
      }
      const s = states[w]!;
      if (e.type === 'round-start') {
        if (e.phase === 'warmup') warm[w] = true;
        phase[w] = e.phase === 'warmup' ? 0 : e.round + (warm[w] ? 1 : 0);
      }
      if (mode === 'lines') {
        linesSink(e, s, prefixed(w));
        return;
      }
      s.on(e);
      switch (e.type) {
        case 'run-start':
          print(
            `${tag(w)} run ${e.runId} (${e.rounds} pruning round${e.rounds === 1 ? '' : 's'}, backend ${e.backend})`,
          );
          break;
        case 'round-end':
          print(`${tag(w)} ${roundLine(e, s)}`);
          break;
        case 'run-end':
          print(`${tag(w)} run ${e.runId} finished in ${duration(e.seconds)}`);
          break;
        case 'log':
          print(`${tag(w)} ${e.level === 'warn' ? `warning: ${e.message}` : e.message}`);
          break;
        default:
          break;
      }
      draw(e.type !== 'step');
    },
    end(w) {
      if (active[w]) done++;
      active[w] = false;
      if (mode === 'lines') print(`[all] ${overall()}`);
      draw(true);
    },
    log(level, message) {
      if (mode === 'json') json({ type: 'log', level, message });
      else if (mode !== 'quiet') print(level === 'warn' ? `warning: ${message}` : message);
      draw(true);
    },
    fraction,
    clear,
  };
}
