/**
 * The one place that runs Python: the PyTorch references next to our benchmarks
 * (`py/torch_reference.py` for throughput, `py/torch_machinery.py` for the pruning machinery)
 * with Debian's system Python (`/usr/bin/python3`, package `python3-torch`) as a child process.
 * A pyenv `python3` earlier on PATH has no torch, so the interpreter is an absolute path
 * (override with `PRUNEKIT_TORCH_PYTHON`). Every failure prints its reason and returns null.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The interpreter: `PRUNEKIT_TORCH_PYTHON` or `/usr/bin/python3`. */
export const TORCH_PYTHON = process.env.PRUNEKIT_TORCH_PYTHON ?? '/usr/bin/python3';

/** The reference script (`apps/bench/py/torch_reference.py`, next to `src/` and `dist/`). */
export const TORCH_SCRIPT = fileURLToPath(new URL('../py/torch_reference.py', import.meta.url));

/** The pruning-machinery reference (`apps/bench/py/torch_machinery.py`), for `machinery.ts`. */
export const TORCH_MACHINERY_SCRIPT = fileURLToPath(new URL('../py/torch_machinery.py', import.meta.url));

/** What to measure; the same meaning as ours in `throughput.ts`. */
export interface TorchCase {
  /**
   * `lenet-300-100`, `conv2`, `conv4` (28×28×1, 10 classes) or `resnet18` (CIFAR stem, BN,
   * 32×32×3, 10 classes).
   */
  readonly model: 'lenet-300-100' | 'conv2' | 'conv4' | 'resnet18';
  readonly batch: number;
  /** At most this many timed steps (after the warm-up steps). */
  readonly steps: number;
  /** Stop timing after this many seconds (at least one timed step). */
  readonly budgetS: number;
  /** Fraction of kernel weights kept by the fixed random mask re-applied after each step. */
  readonly density: number;
  /** Untimed warm-up steps (default 1); the throughput bench gives PyTorch as many as ours ran. */
  readonly warmup?: number;
}

/** One measurement of the reference. */
export interface TorchResult {
  readonly samplesPerSecond: number;
  readonly msPerStep: number;
  readonly steps: number;
  /** `torch.get_num_threads()` during the run. */
  readonly threads: number;
  readonly torchVersion: string;
  /** The BLAS shared objects mapped into the Python process. */
  readonly blas: string;
  /** `ru_maxrss` of the Python process at the end (peak RSS of the whole case), MiB. */
  readonly maxRssMiB: number | null;
  /** RSS after the warm-up step and after the last timed step, MiB (growth check). */
  readonly rssAfterWarmupMiB: number | null;
  readonly rssEndMiB: number | null;
  /** Every thread count tried, with its samples/s (only in {@link bestTorch} results). */
  readonly tried?: readonly { threads: number; samplesPerSecond: number }[];
}

let probed: { ok: true; version: string } | { ok: false; reason: string } | undefined;

/**
 * Whether `/usr/bin/python3` exists and imports torch (probed once, cached). Prints nothing.
 *
 * @example
 * ```ts
 * const p = probeTorch();
 * if (!p.ok) console.log(p.reason);
 * ```
 */
export function probeTorch(): { ok: true; version: string } | { ok: false; reason: string } {
  if (probed) return probed;
  if (!existsSync(TORCH_PYTHON)) {
    probed = {
      ok: false,
      reason: `${TORCH_PYTHON} does not exist (install Debian's python3 and python3-torch, or set PRUNEKIT_TORCH_PYTHON)`,
    };
  } else if (!existsSync(TORCH_SCRIPT)) {
    probed = { ok: false, reason: `the reference script ${TORCH_SCRIPT} is missing` };
  } else {
    const r = spawnSync(TORCH_PYTHON, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.error) probed = { ok: false, reason: `${TORCH_PYTHON} could not run: ${r.error.message}` };
    else if (r.status !== 0) {
      const last = r.stderr.trim().split('\n').pop() ?? '';
      probed = {
        ok: false,
        reason: `${TORCH_PYTHON} cannot import torch (${last}); apt-get install python3-torch libopenblas0-pthread`,
      };
    } else probed = { ok: true, version: r.stdout.trim() };
  }
  return probed;
}

/**
 * Run the reference once with `threads` intra-op threads (OpenBLAS/OpenMP pinned to the same
 * count). Returns null and prints why when Python, torch or the run fails.
 *
 * @example
 * ```ts
 * const r = runTorch({ model: 'lenet-300-100', batch: 128, steps: 10, budgetS: 15, density: 1 }, 1);
 * if (r) console.log(r.samplesPerSecond);
 * ```
 */
export function runTorch(c: TorchCase, threads: number): TorchResult | null {
  const p = probeTorch();
  if (!p.ok) {
    console.log(`PyTorch reference skipped: ${p.reason}`);
    return null;
  }
  const input = JSON.stringify({
    model: c.model,
    batch: c.batch,
    threads,
    steps: c.steps,
    budget_s: c.budgetS,
    warmup: c.warmup ?? 1,
    density: c.density,
  });
  const where = `PyTorch reference (${c.model}, density ${c.density}, ${threads} thread${threads > 1 ? 's' : ''})`;
  const o = runPythonJson(TORCH_SCRIPT, input, threads, (c.budgetS * 4 + 120) * 1000, where);
  if (!o) return null;
  const sps = o.samples_per_s;
  const ms = o.ms_per_step;
  if (typeof sps !== 'number' || typeof ms !== 'number') {
    console.log(`${where} printed no samples_per_s/ms_per_step: ${JSON.stringify(o).slice(0, 200)}`);
    return null;
  }
  return {
    samplesPerSecond: sps,
    msPerStep: ms,
    steps: Number(o.steps),
    threads: Number(o.threads),
    torchVersion: String(o.torch_version),
    blas: String(o.blas),
    maxRssMiB: kibToMiB(o.max_rss_kb),
    rssAfterWarmupMiB: kibToMiB(o.rss_after_warmup_kb),
    rssEndMiB: kibToMiB(o.rss_end_kb),
  };
}

function kibToMiB(v: unknown): number | null {
  return typeof v === 'number' ? v / 1024 : null;
}

/**
 * Run one of the `py/` scripts with {@link TORCH_PYTHON}, `input` (JSON) on stdin, and the
 * intra-op thread count pinned (`OMP_NUM_THREADS`, `OPENBLAS_NUM_THREADS`, `MKL_NUM_THREADS`;
 * the scripts call `torch.set_num_threads` too). Returns the last stdout line parsed as a JSON
 * object, or null with the reason printed (prefixed by `where`) when the run fails.
 *
 * @example
 * ```ts
 * const o = runPythonJson(TORCH_SCRIPT, '{"model":"conv2"}', 1, 120_000, 'PyTorch reference');
 * ```
 */
export function runPythonJson(
  script: string,
  input: string,
  threads: number,
  timeoutMs: number,
  where: string,
): Record<string, unknown> | null {
  const t = String(threads);
  const r = spawnSync(TORCH_PYTHON, [script], {
    input,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t },
  });
  if (r.error) {
    console.log(`${where} failed to run: ${r.error.message}`);
    return null;
  }
  if (r.status !== 0) {
    console.log(
      `${where} exited with ${r.status ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
    return null;
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const o: unknown = JSON.parse(line);
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not a JSON object');
    return o as Record<string, unknown>;
  } catch (e) {
    console.log(`${where} printed no result line (${(e as Error).message}): ${line.slice(0, 200)}`);
    return null;
  }
}

/**
 * Run the reference with each thread count and keep the fastest (small models are often fastest
 * on one thread per process). Null, with the reason printed, when no run succeeded.
 *
 * @example
 * ```ts
 * const best = bestTorch({ model: 'conv2', batch: 128, steps: 10, budgetS: 15, density: 0.1 });
 * best?.threads; // 1 or 2
 * ```
 */
export function bestTorch(c: TorchCase, threadCounts: readonly number[] = [1, 2]): TorchResult | null {
  const tried: { threads: number; samplesPerSecond: number }[] = [];
  let best: TorchResult | null = null;
  for (const threads of threadCounts) {
    const r = runTorch(c, threads);
    if (!r) {
      if (!probeTorch().ok) return null; // the reason was printed once; no point trying more
      continue;
    }
    tried.push({ threads: r.threads, samplesPerSecond: r.samplesPerSecond });
    if (!best || r.samplesPerSecond > best.samplesPerSecond) best = r;
  }
  return best ? { ...best, tried } : null;
}

/** One parameter of the machinery benchmark's parameter set (shape as in our model). */
export interface TorchMachineryParam {
  readonly name: string;
  readonly shape: readonly number[];
  readonly prunable: boolean;
}

/** What `py/torch_machinery.py` measures; see `machinery.ts` for the meaning of each operation. */
export interface TorchMachineryInput {
  readonly params: readonly TorchMachineryParam[];
  /** Fraction of the surviving weights pruned per round (0.2). */
  readonly fraction: number;
  /** Timed repetitions of each mask operation (the median is reported). */
  readonly repeats: number;
  /** Timed repetitions of the per-step mask apply. */
  readonly applyRepeats: number;
  readonly seed: number;
}

/** Timing of one operation on the PyTorch side, ms. */
export interface TorchTiming {
  readonly ms: number;
  readonly timesMs: readonly number[];
}

/** The PyTorch side of the machinery benchmark. */
export interface TorchMachineryResult {
  readonly threads: number;
  readonly torchVersion: string;
  /** Prunable weights in the set. */
  readonly weights: number;
  /** Median times: `globalRound1`, `globalRound2`, `randomMatched`, `flipFraction`, `maskApply`. */
  readonly timings: Readonly<Record<string, TorchTiming>>;
  /** Sanity values: `kept1` (round-1 kept count), `density2`, `flip` (overall flip fraction). */
  readonly checks: Readonly<Record<string, number>>;
  readonly maxRssMiB: number | null;
}

/**
 * Run `py/torch_machinery.py` once with `threads` intra-op threads on the given parameter set.
 * Null, with the reason printed, when Python, torch or the run fails.
 *
 * @example
 * ```ts
 * const r = runTorchMachinery({ params, fraction: 0.2, repeats: 3, applyRepeats: 10, seed: 1 }, 1);
 * r?.timings.globalRound1?.ms;
 * ```
 */
export function runTorchMachinery(input: TorchMachineryInput, threads: number): TorchMachineryResult | null {
  const p = probeTorch();
  if (!p.ok) {
    console.log(`PyTorch machinery reference skipped: ${p.reason}`);
    return null;
  }
  if (!existsSync(TORCH_MACHINERY_SCRIPT)) {
    console.log(`PyTorch machinery reference skipped: ${TORCH_MACHINERY_SCRIPT} is missing`);
    return null;
  }
  const where = `PyTorch machinery reference (${threads} thread${threads > 1 ? 's' : ''})`;
  const o = runPythonJson(
    TORCH_MACHINERY_SCRIPT,
    JSON.stringify({
      params: input.params,
      fraction: input.fraction,
      repeats: input.repeats,
      apply_repeats: input.applyRepeats,
      seed: input.seed,
      threads,
    }),
    threads,
    900_000,
    where,
  );
  if (!o) return null;
  const timings: Record<string, TorchTiming> = {};
  const raw = (o.timings ?? {}) as Record<string, { ms?: unknown; times_ms?: unknown }>;
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v.ms === 'number')
      timings[k] = { ms: v.ms, timesMs: Array.isArray(v.times_ms) ? v.times_ms.map(Number) : [] };
  }
  if (Object.keys(timings).length === 0) {
    console.log(`${where} printed no timings: ${JSON.stringify(o).slice(0, 200)}`);
    return null;
  }
  const checks: Record<string, number> = {};
  for (const [k, v] of Object.entries((o.checks ?? {}) as Record<string, unknown>))
    if (typeof v === 'number') checks[k] = v;
  return {
    threads: Number(o.threads),
    torchVersion: String(o.torch_version),
    weights: Number(o.weights),
    timings,
    checks,
    maxRssMiB: kibToMiB(o.max_rss_kb),
  };
}

/** A finished child process of {@link runTorchScript}. */
export interface ScriptRun {
  /** Exit status 0 and no spawn error. */
  readonly ok: boolean;
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** From spawn to exit, in seconds (interpreter start-up and imports included). */
  readonly wallSeconds: number;
  /** Why the process could not start or was killed (timeout), when it could not. */
  readonly error?: string;
}

/**
 * Run a Python script (e.g. a file in `apps/bench/py/`) with {@link TORCH_PYTHON}, `threads`
 * threads (`OMP_NUM_THREADS`, `OPENBLAS_NUM_THREADS` and `MKL_NUM_THREADS` set to it; the script
 * calls `torch.set_num_threads` itself) and a time limit. Asynchronous, so several can run at
 * once; never rejects — check `ok`. Does not probe for torch (call {@link probeTorch} first).
 *
 * @example
 * ```ts
 * const script = fileURLToPath(new URL('../py/torch_runs.py', import.meta.url));
 * const r = await runTorchScript(script, [JSON.stringify({ model: 'lenet-300-100', threads: 1 })], 1);
 * if (r.ok) console.log(r.stdout.trim().split('\n').pop());
 * ```
 */
export function runTorchScript(
  script: string,
  args: readonly string[],
  threads: number,
  options: { readonly timeoutMs?: number } = {},
): Promise<ScriptRun> {
  const t = String(threads);
  const start = performance.now();
  return new Promise((done) => {
    const child = spawn(TORCH_PYTHON, [script, ...args], {
      env: { ...process.env, OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let error: string | undefined;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            error = `killed after the ${options.timeoutMs} ms time limit`;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.on('error', (e) => {
      error = e.message;
    });
    child.on('close', (status, signal) => {
      if (timer) clearTimeout(timer);
      done({
        ok: status === 0 && error === undefined,
        status,
        signal,
        stdout,
        stderr,
        wallSeconds: (performance.now() - start) / 1000,
        ...(error === undefined ? {} : { error }),
      });
    });
  });
}
