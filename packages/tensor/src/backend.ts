import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// The union package registers every op's gradient on tfjs-core (tfjs-core alone registers none,
// and its ESM gradient modules cannot be loaded by Node directly), plus the cpu backend and
// tfjs-layers. The wasm backend is a separate package.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { PruneError } from '@prunekit/core';
import { registerSgdUpdate } from './fused/sgd-update.js';
import { registerWasmTrainingKernels } from './kernels/index.js';
import { registerSparseKernels } from './sparse/sparse-op.js';
import { parseWasmThreads, startWasm, wasmThreadsFor, type WasmThreadsRequest } from './wasm-threads.js';

/** The engines prunekit can run on, fastest first. */
export type EngineName = 'node-gpu' | 'node' | 'wasm' | 'cpu';

/** What to ask for: one engine, or `auto` (the first that loads, in {@link ENGINE_ORDER}). */
export type EngineRequest = EngineName | 'auto';

/** The automatic order: tfjs-node-gpu → tfjs-node → wasm → cpu. */
export const ENGINE_ORDER: readonly EngineName[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** The outcome of {@link initBackend}. */
export interface BackendChoice {
  /** The engine in use. */
  readonly engine: EngineName;
  /** The tfjs backend name (`tensorflow`, `wasm`, `cpu`). */
  readonly backend: string;
  /** One line: which engine runs and why the faster ones do not. */
  readonly reason: string;
  /** Engines tried before it, with the reason each was skipped. */
  readonly skipped: ReadonlyArray<{ engine: EngineName; why: string }>;
  /** On wasm: the threads it computes with (1 unless `threads` asked for more and they started). */
  readonly threads?: number;
}

const PACKAGES: Record<'node-gpu' | 'node', string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

let current: BackendChoice | undefined;

/** Parse an engine name (from `PRUNEKIT_BACKEND` or `--backend`); throws `E_USAGE` listing the valid ones. */
export function parseEngine(value: string, source = 'PRUNEKIT_BACKEND'): EngineRequest {
  const v = value.trim().toLowerCase();
  const alias: Record<string, EngineRequest> = {
    gpu: 'node-gpu',
    tensorflow: 'node',
    'tfjs-node': 'node',
    'tfjs-node-gpu': 'node-gpu',
  };
  const e = (alias[v] ?? v) as EngineRequest;
  if (e === 'auto' || (ENGINE_ORDER as readonly string[]).includes(e)) return e;
  throw new PruneError(
    'E_USAGE',
    `${source}: unknown backend '${value}'; known: auto, ${ENGINE_ORDER.join(', ')}`,
  );
}

/**
 * Pick and start the TensorFlow.js backend. `auto` (the default, or `PRUNEKIT_BACKEND`) tries
 * tfjs-node-gpu, tfjs-node, wasm, cpu in that order, each only if installed and loadable, and
 * logs one line saying which runs and why. On wasm the training kernels prunekit adds
 * (conv gradients) are registered.
 *
 * `threads` (or `PRUNEKIT_WASM_THREADS`; default `auto` = one per CPU, at most 8) runs wasm on
 * that many threads (see README, "Threads"): the threaded SIMD build on Node worker_threads, with
 * results bit-identical to 1 thread. If it cannot start, wasm runs on 1 thread and the log line
 * says why. Changing the count of a running wasm
 * backend restarts it, which drops the tensors it held.
 *
 * @example
 * ```ts
 * const { engine, reason } = await initBackend();          // auto
 * await initBackend({ engine: 'cpu', log: () => {} });      // force cpu, silently
 * await initBackend({ engine: 'wasm', threads: 1 });        // wasm on one thread
 * ```
 */
export async function initBackend(
  options: { engine?: EngineRequest; threads?: WasmThreadsRequest; log?: (line: string) => void } = {},
): Promise<BackendChoice> {
  const fromEnv = process.env.PRUNEKIT_BACKEND;
  const threadsEnv = process.env.PRUNEKIT_WASM_THREADS;
  const threads = wasmThreadsFor(options.threads ?? (threadsEnv ? parseWasmThreads(threadsEnv) : 'auto'));
  const request: EngineRequest = options.engine ?? (fromEnv ? parseEngine(fromEnv) : 'auto');
  const log =
    options.log ??
    ((line: string) => (process.env.PRUNEKIT_QUIET_BACKEND ? undefined : process.stderr.write(`${line}\n`)));
  const candidates = request === 'auto' ? ENGINE_ORDER : [request];
  const skipped: { engine: EngineName; why: string }[] = [];
  for (const engine of candidates) {
    const started = await tryEngine(engine, threads);
    if (typeof started !== 'string') {
      const backend = tf.getBackend();
      const n = started.threads ?? 1;
      const detail =
        engine === 'wasm'
          ? ` (SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, ${n} thread${n === 1 ? '' : 's'}${started.fallback ? `; ${started.fallback}` : ''})`
          : '';
      const reason =
        request === 'auto'
          ? `prunekit: backend ${engine}${detail}${skipped.length ? ` — ${skipped.map((s) => `${s.engine}: ${s.why}`).join('; ')}` : ' — the fastest available'}`
          : `prunekit: backend ${engine}${detail} — requested${fromEnv && !options.engine ? ' by PRUNEKIT_BACKEND' : ''}`;
      current =
        engine === 'wasm'
          ? { engine, backend, reason, skipped, threads: n }
          : { engine, backend, reason, skipped };
      log(reason);
      return current;
    }
    skipped.push({ engine, why: started });
  }
  throw new PruneError(
    'E_BACKEND',
    `no TensorFlow.js backend could start: ${skipped.map((s) => `${s.engine}: ${s.why}`).join('; ')}`,
    {
      hint:
        request === 'auto'
          ? 'reinstall the workspace (pnpm install)'
          : `try --backend auto, or install the package for '${request}'`,
    },
  );
}

/** The backend chosen by the last {@link initBackend}, if any. */
export function currentBackend(): BackendChoice | undefined {
  return current;
}

/** Start one engine: its failure reason, or what started (wasm: threads, and why fewer). */
async function tryEngine(
  engine: EngineName,
  threads: number,
): Promise<string | { threads?: number; fallback?: string }> {
  try {
    if (engine === 'node-gpu' || engine === 'node') {
      const pkg = PACKAGES[engine];
      const addon = nativeAddonState(pkg);
      if (addon !== 'ok') return addon;
      try {
        await quietly(() => import(/* @vite-ignore */ pkg));
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (/Cannot find (module|package)/.test(msg) && msg.includes(pkg)) return `${pkg} is not installed`;
        return `${pkg} is installed but does not load (${firstLine(msg)})`;
      }
      if (!(await tf.setBackend('tensorflow'))) return `${pkg} loaded but its backend did not start`;
      await tf.ready();
      return {};
    }
    if (engine === 'wasm') {
      const started = await startWasm(threads);
      await tf.ready();
      registerWasmTrainingKernels();
      registerSparseKernels();
      registerSgdUpdate();
      return started;
    }
    if (!(await tf.setBackend(engine))) return `the ${engine} backend did not start`;
    await tf.ready();
    registerSparseKernels();
    registerSgdUpdate();
    return {};
  } catch (e) {
    return firstLine(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Whether a tfjs-node package is installed with its native addon built. Offline, its install
 * script cannot download libtensorflow and the addon is missing: importing it would fail halfway
 * (after registering kernels), so we check first.
 */
function nativeAddonState(pkg: string): 'ok' | string {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    return `${pkg} is not installed`;
  }
  const lib = join(root, 'lib');
  const built =
    existsSync(lib) && readdirSync(lib).some((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
  return built
    ? 'ok'
    : `${pkg} is installed but its native addon is missing (its install script could not download libtensorflow — offline?)`;
}

/** Run `fn` with tfjs's "kernel already registered" warnings silenced. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('is already registered')) return;
    warn(...args);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? s;
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}
