/**
 * The PyTorch reference next to our throughput benchmark: runs `py/torch_reference.py` with
 * Debian's system Python (`/usr/bin/python3`, package `python3-torch`) as a child process.
 * A pyenv `python3` earlier on PATH has no torch, so the interpreter is an absolute path
 * (override with `PRUNEKIT_TORCH_PYTHON`). Every failure prints its reason and returns null.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The interpreter: `PRUNEKIT_TORCH_PYTHON` or `/usr/bin/python3`. */
export const TORCH_PYTHON = process.env.PRUNEKIT_TORCH_PYTHON ?? '/usr/bin/python3';

/** The reference script (`apps/bench/py/torch_reference.py`, next to `src/` and `dist/`). */
export const TORCH_SCRIPT = fileURLToPath(new URL('../py/torch_reference.py', import.meta.url));

/** What to measure; the same meaning as ours in `throughput.ts`. */
export interface TorchCase {
  /** `lenet-300-100` or `conv2` (28×28×1, 10 classes). */
  readonly model: 'lenet-300-100' | 'conv2';
  readonly batch: number;
  /** At most this many timed steps (after one warm-up step). */
  readonly steps: number;
  /** Stop timing after this many seconds (at least one timed step). */
  readonly budgetS: number;
  /** Fraction of kernel weights kept by the fixed random mask re-applied after each step. */
  readonly density: number;
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
    density: c.density,
  });
  const t = String(threads);
  const r = spawnSync(TORCH_PYTHON, [TORCH_SCRIPT, input], {
    encoding: 'utf8',
    timeout: (c.budgetS * 4 + 120) * 1000,
    env: { ...process.env, OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t },
  });
  const where = `PyTorch reference (${c.model}, density ${c.density}, ${threads} thread${threads > 1 ? 's' : ''})`;
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
    const o = JSON.parse(line) as Record<string, unknown>;
    const sps = o.samples_per_s;
    const ms = o.ms_per_step;
    if (typeof sps !== 'number' || typeof ms !== 'number')
      throw new Error('samples_per_s/ms_per_step missing');
    return {
      samplesPerSecond: sps,
      msPerStep: ms,
      steps: Number(o.steps),
      threads: Number(o.threads),
      torchVersion: String(o.torch_version),
      blas: String(o.blas),
    };
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
