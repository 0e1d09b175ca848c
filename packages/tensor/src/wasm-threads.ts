import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { resolveObjectURL } from 'node:buffer';
import { Worker as NodeWorker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { PruneError } from '@prunekit/core';

/**
 * How many threads the wasm backend should use: a count, or `auto` (one per available CPU, at
 * most {@link MAX_WASM_THREADS}).
 */
export type WasmThreadsRequest = number | 'auto';

/** The most threads the wasm build accepts (its worker pool and XNNPACK cap are 8). */
export const MAX_WASM_THREADS = 8;

/** Give up on a threaded start that has not finished after this long (then fall back). */
const START_TIMEOUT_MS = 60_000;

/**
 * Parse a thread request (from `PRUNEKIT_WASM_THREADS` or `--threads`): `auto` or a whole number
 * from 1 to 8. Throws `E_USAGE` otherwise.
 *
 * @example
 * ```ts
 * parseWasmThreads('auto'); // 'auto'
 * parseWasmThreads('2');    // 2
 * ```
 */
export function parseWasmThreads(value: string, source = 'PRUNEKIT_WASM_THREADS'): WasmThreadsRequest {
  const v = value.trim().toLowerCase();
  if (v === 'auto') return 'auto';
  const n = Number(v);
  if (v !== '' && Number.isInteger(n) && n >= 1 && n <= MAX_WASM_THREADS) return n;
  throw new PruneError(
    'E_USAGE',
    `${source}: '${value}' is not a thread count; use auto or a whole number from 1 to ${MAX_WASM_THREADS}`,
  );
}

/**
 * The thread count a request means on this machine: `auto` is `os.availableParallelism()`
 * capped at {@link MAX_WASM_THREADS}; numbers are clamped to 1..8.
 *
 * @example
 * ```ts
 * wasmThreadsFor('auto'); // 2 on a 2-CPU machine
 * wasmThreadsFor(1);      // 1
 * ```
 */
export function wasmThreadsFor(request: WasmThreadsRequest): number {
  const n = request === 'auto' ? availableParallelism() : Math.floor(request);
  return Math.min(Math.max(n, 1), MAX_WASM_THREADS);
}

/** The outcome of {@link startWasm}. */
export interface WasmStart {
  /** Threads the live wasm backend computes with (1 = the single-threaded SIMD build). */
  readonly threads: number;
  /** Why fewer threads than asked run, in one line (absent when the request was met). */
  readonly fallback?: string;
}

/** Thread count of the wasm backend we started (undefined: not started by us). */
let liveThreads: number | undefined;

/**
 * Start (or restart) tfjs's `wasm` backend with `threads` threads and make it the active backend.
 * More than one thread uses the package's threaded SIMD build, whose emscripten pthreads run on
 * Node `worker_threads` (see the README, "Threads"). If that build cannot start, the
 * single-threaded build starts instead and `fallback` says why. Restarting with another count
 * disposes every tensor held by the previous wasm backend.
 *
 * @example
 * ```ts
 * const { threads, fallback } = await startWasm(2);
 * if (fallback) console.warn(fallback);
 * ```
 */
export async function startWasm(threads: number): Promise<WasmStart> {
  const want = Math.min(Math.max(Math.floor(threads), 1), MAX_WASM_THREADS);
  const initialized = wasmInitialized();
  const live = initialized ? (liveThreads ?? 1) : undefined;
  if (live === want) {
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
    return { threads: want };
  }
  if (initialized) restartWasm();
  if (want > 1) {
    const failure = await startThreaded(want);
    if (failure === undefined) {
      liveThreads = want;
      return { threads: want };
    }
    restartWasm(); // also makes a start that is still pending obsolete
    if (!(await startSingle())) throw new Error(`the wasm backend did not start (threads: ${failure})`);
    return { threads: 1, fallback: `wasm threads off: ${failure}` };
  }
  if (!(await startSingle())) throw new Error('the wasm backend did not start');
  return { threads: 1 };
}

/** Threads of the wasm backend started by {@link startWasm} (1 if started elsewhere), or 0 if none. */
export function wasmThreads(): number {
  return wasmInitialized() ? (liveThreads ?? 1) : 0;
}

async function startSingle(): Promise<boolean> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(-1);
  const ok = await tf.setBackend('wasm');
  liveThreads = ok ? 1 : undefined;
  return ok;
}

/** Start the threaded build; resolve to undefined on success or to the reason it failed. */
async function startThreaded(threads: number): Promise<string | undefined> {
  installWorkerShim();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  const restoreCpus = pretendLogicalCores(2 * threads);
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<string>((resolve) => {
    startFailure = (why) => resolve(why);
    timer = setTimeout(
      () => resolve(`no answer from its workers within ${START_TIMEOUT_MS / 1000} s`),
      START_TIMEOUT_MS,
    );
  });
  const warn = console.warn;
  const warnings: string[] = [];
  // tfjs reports a failed backend start with console.warn; keep it for our one-line reason.
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  try {
    const outcome = await Promise.race([tf.setBackend('wasm'), failed]);
    if (typeof outcome === 'string') {
      discardWorkers();
      return outcome;
    }
    if (!outcome) return firstLine(warnings.at(-1) ?? 'the threaded build did not start');
    const got = getThreadsCount();
    if (got !== threads) return `its thread pool has ${got} thread(s), not ${threads}`;
    return undefined;
  } catch (e) {
    return firstLine(e instanceof Error ? e.message : String(e));
  } finally {
    console.warn = warn;
    clearTimeout(timer);
    startFailure = undefined;
    restoreCpus();
  }
}

/** End the workers of the current module (if its start failed or it is being replaced). */
function discardWorkers(): void {
  for (const w of workers) {
    w.discarded = true;
    void w.terminate();
  }
  workers.clear();
}

function wasmInitialized(): boolean {
  return (tf.engine().registry as Record<string, unknown>)['wasm'] !== undefined;
}

/**
 * Drop the live (or pending) wasm backend and register its factory again, so the next
 * `setBackend('wasm')` builds a fresh module with the current flags; end the old workers.
 */
function restartWasm(): void {
  const factory = tf.findBackendFactory('wasm');
  if (factory === null) throw new Error('tfjs-backend-wasm is not registered');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, 2);
  discardWorkers();
  liveThreads = undefined;
}

// ---------------------------------------------------------------------------------------------
// The Worker shim.
//
// emscripten's pthread glue in @tensorflow/tfjs-backend-wasm supports Node (it sets
// `global.Worker = require('worker_threads').Worker` and adapts `on('message')`), but tfjs feeds
// it browser-only inputs: the worker script is a `blob:` URL (URL.createObjectURL of a Blob) and
// the main script is a Blob (`mainScriptUrlOrBlob`) holding the factory's source as bundled into
// dist/tf-backend-wasm.node.js, where rollup turned `require("fs")` into module variables
// (`require$$0 is not defined` in the worker). Node's Worker cannot start from a blob: URL, and
// the worker's `importScripts` reads files with fs. The shim is a worker_threads Worker that
// starts a tiny bootstrap, reads the worker Blob (async, while emscripten's first messages are
// queued) and hands its code to the worker, and replaces the main-script Blob by the package's
// own glue file (wasm-out/). It never `ref()`s: XNNPACK's pool threads live forever and would
// otherwise keep Node from exiting.
// ---------------------------------------------------------------------------------------------

const workers = new Set<PthreadWorker>();
let startFailure: ((why: string) => void) | undefined;
let shimInstalled = false;

/** Evaluates the worker script received as the first message (it then takes over the port). */
const BOOTSTRAP = `require('node:worker_threads').parentPort.once('message', (code) => (0, eval)(code));`;

class PthreadWorker extends NodeWorker {
  /** Set when its module was dropped: its errors no longer matter. */
  discarded = false;
  private queue: Array<[unknown, readonly unknown[] | undefined]> | undefined = [];

  constructor(url: string | URL) {
    // No inherited execArgv: `--input-type=module` would make the eval'd bootstrap ESM (no
    // `require`), and loaders such as `--import tsx` would slow every worker's start.
    super(BOOTSTRAP, { eval: true, execArgv: [] });
    workers.add(this);
    this.on('exit', () => workers.delete(this));
    const script = blobText(String(url));
    script.then(
      (code) => {
        super.postMessage(code);
        this.flush();
      },
      (e: unknown) => startFailure?.(`its worker script could not be read: ${String(e)}`),
    );
  }

  override postMessage(message: unknown, transfer?: readonly unknown[]): void {
    if (this.queue !== undefined) {
      this.queue.push([message, transfer]);
      return;
    }
    this.send(message, transfer);
  }

  override on(event: string | symbol, listener: Parameters<NodeWorker['on']>[1]): this {
    if (event !== 'error') return super.on(event, listener);
    // A worker error during start-up becomes our fallback reason instead of a crash.
    return super.on('error', (e: Error) => {
      if (this.discarded) return;
      if (startFailure) startFailure(`a worker failed: ${firstLine(e?.message ?? String(e))}`);
      else listener(e);
    });
  }

  override ref(): void {}

  private flush(): void {
    const queued = this.queue ?? [];
    this.queue = undefined;
    for (const [message, transfer] of queued) this.send(message, transfer);
  }

  private send(message: unknown, transfer?: readonly unknown[]): void {
    const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
    // The main-script Blob tfjs made from its bundle is not self-contained (the bundler turned the
    // glue's require('fs') into module variables): load the package's own copy of the glue.
    const out =
      m?.cmd === 'load' && typeof m.urlOrBlob !== 'string' ? { ...m, urlOrBlob: glueFile() } : message;
    super.postMessage(out, transfer as never);
  }
}

let glue: string | undefined;
function glueFile(): string {
  glue ??= join(
    dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'wasm-out',
    'tfjs-backend-wasm-threaded-simd.js',
  );
  return glue;
}

async function blobText(url: string): Promise<string> {
  const blob = url.startsWith('blob:') ? resolveObjectURL(url) : undefined;
  if (blob === undefined) throw new Error(`not a blob: URL (${url})`);
  return blob.text();
}

/**
 * Make `globalThis.Worker` the shim for good: emscripten assigns `global.Worker` when its module
 * starts (the setter ignores that) and reads it whenever it needs a new pthread worker.
 */
function installWorkerShim(): void {
  if (shimInstalled) return;
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    enumerable: false,
    get: () => PthreadWorker,
    set: () => {},
  });
  shimInstalled = true;
}

/**
 * The wasm build sizes its thread pool as min(requested, logical cores / 2) (it assumes
 * hyper-threading), reading `os.cpus().length` under Node. Report `count` cores while the module
 * starts, so a 2-CPU machine can have 2 threads; returns the undo.
 */
function pretendLogicalCores(count: number): () => void {
  const os = createRequire(import.meta.url)('node:os') as { cpus: () => unknown[] };
  const cpus = os.cpus;
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: Math.max(count, real.length) }, (_, i) => real[i % real.length]);
  };
  return () => {
    os.cpus = cpus;
  };
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? s;
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}
