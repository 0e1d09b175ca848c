/**
 * Where a training step's time goes on wasm: every kernel the engine runs during one training
 * step (forward + backward + SGD update, exactly the step of `throughput.ts`: momentum 0.9,
 * weight decay 1e-4, lr 0.01, one fixed random batch), with its calls per step, milliseconds per
 * step and share of the step.
 *
 * Timing: every kernel registered for `'wasm'` is wrapped with `performance.now()` (wasm kernels
 * are synchronous, so wall time around the call is the kernel's time; no `tf.profile`, whose
 * bookkeeping and output checks would distort small kernels). A composite kernel (such as
 * prunekit's `Conv2DBackpropFilter`) counts with everything it runs inside; `--inner` lists the
 * kernels it called beneath it. "outside kernels" is the rest of the step: gradient tape,
 * tensor bookkeeping, JavaScript between kernels. Kernel numbers are means over the timed steps;
 * shares are of the mean step.
 *
 *   node dist/profile-step.js                                    Conv-4, 28×28×1, batch 128, wasm
 *   node dist/profile-step.js --model lenet-300-100 --batch 128
 *   node dist/profile-step.js --model conv2 --steps 10 --inner
 *   npx tsx --tsconfig apps/bench/tsconfig.json apps/bench/src/profile-step.ts   (from the sources, no build)
 *
 * Options: `--model conv4|conv2|lenet-300-100` (default conv4), `--batch n` (128), `--steps n`
 * (timed steps after 3 s of warm-up, default 5), `--density d` (a fixed random mask keeping `d` of
 * the prunable weights, masked as in training), `--inner` (kernels run inside composite kernels),
 * `--shapes` (one row per kernel and input shapes).
 * wasm runs on one thread (as `initBackend` starts it by default; `PRUNEKIT_WASM_THREADS` changes it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { createModel, createModelRegistry } from '@prunekit/models';
import { initBackend } from '@prunekit/tensor';
import { benchStep, randomMask } from './step.js';

const MODELS: Record<string, Record<string, unknown>> = {
  conv4: { inputShape: [28, 28, 1], classes: 10 },
  conv2: { inputShape: [28, 28, 1], classes: 10 },
  'lenet-300-100': {},
};

/** Calls and milliseconds of one kernel (or of one kernel inside a composite kernel). */
interface Stat {
  calls: number;
  ms: number;
}

/** A kernel timer: wraps the kernel functions registered for `backendName` until `restore()`. */
interface KernelTimer {
  /** Keyed by kernel name for kernels the engine ran, `parent › child` for kernels run inside. */
  readonly stats: Map<string, Stat>;
  reset(): void;
  restore(): void;
}

/**
 * Wraps every kernel registered for `backendName`. The configs are the objects in tfjs's kernel
 * registry, so both the engine and composite kernels (which look kernels up with `getKernel`)
 * run the wrapper. Nested calls are keyed by their parent, so top-level rows never double-count.
 */
function timeKernels(backendName: string, withShapes: boolean): KernelTimer {
  const stats = new Map<string, Stat>();
  const stack: string[] = [];
  const originals = new Map<KernelConfig, KernelFunc>();
  for (const config of tf.getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    originals.set(config, inner);
    const name = config.kernelName;
    (config as { kernelFunc: KernelFunc }).kernelFunc = ((args: Parameters<KernelFunc>[0]) => {
      const label = withShapes ? `${name} ${describeInputs(args.inputs)}` : name;
      const key = stack.length === 0 ? label : `${stack[0]} › ${label}`;
      stack.push(label);
      const t = performance.now();
      try {
        return inner(args);
      } finally {
        const ms = performance.now() - t;
        stack.pop();
        const s = stats.get(key) ?? { calls: 0, ms: 0 };
        s.calls++;
        s.ms += ms;
        stats.set(key, s);
      }
    }) as KernelFunc;
  }
  return {
    stats,
    reset: () => stats.clear(),
    restore: () => {
      for (const [config, f] of originals) (config as { kernelFunc: KernelFunc }).kernelFunc = f;
    },
  };
}

/** `[128,28,28,64] [128,14,14,64]`: the shapes of a kernel's inputs. */
function describeInputs(inputs: Parameters<KernelFunc>[0]['inputs']): string {
  const list = Array.isArray(inputs) ? inputs : Object.values(inputs);
  return list.map((t) => (t ? `[${t.shape.join(',')}]` : '—')).join(' ');
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function option(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const v = args[at + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

function positiveInt(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${v}'`);
  return n;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const modelName = option(args, '--model') ?? 'conv4';
  const options = MODELS[modelName];
  if (!options) throw new Error(`unknown --model '${modelName}'; known: ${Object.keys(MODELS).join(', ')}`);
  const batch = positiveInt(option(args, '--batch'), '--batch', 128);
  const steps = positiveInt(option(args, '--steps'), '--steps', 5);
  const inner = args.includes('--inner');
  const shapes = args.includes('--shapes');
  const densityArg = option(args, '--density');
  const density = densityArg === undefined ? 1 : Number(densityArg);
  if (!(density > 0 && density <= 1)) throw new Error(`--density must be in (0, 1], got '${densityArg}'`);

  const started = await initBackend({ engine: 'wasm', log: () => {} });
  const model = createModel(createModelRegistry().get(modelName), options, 0);
  const mask = density < 1 ? randomMask(model, density, 1) : undefined;
  const { step, dispose } = benchStep(model, batch, mask);

  const timer = timeKernels('wasm', shapes);
  const stepMs: number[] = [];
  try {
    step(); // warm-up: XNNPACK operators, optimizer slots
    // and until V8 has optimized the hot JavaScript and WebAssembly (3 s, at most 300 steps)
    const warmStart = performance.now();
    for (let i = 1; i < 300 && performance.now() - warmStart < 3000; i++) step();
    timer.reset();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < steps; i++) {
      const t = performance.now();
      step();
      stepMs.push(performance.now() - t);
    }
    if (tf.memory().numTensors !== tensors) console.warn('warning: the step leaks tensors');
  } finally {
    timer.restore();
    dispose();
    model.dispose();
  }

  const mean = stepMs.reduce((a, b) => a + b, 0) / steps;
  const rows = [...timer.stats.entries()]
    .filter(([k]) => !k.includes(' › '))
    .map(([k, s]) => ({ name: k, calls: s.calls / steps, ms: s.ms / steps }))
    .sort((a, b) => b.ms - a.ms);
  const inKernels = rows.reduce((a, r) => a + r.ms, 0);
  const pct = (ms: number): string => `${((100 * ms) / mean).toFixed(1)} %`;
  const cmd = `node apps/bench/dist/profile-step.js --model ${modelName} --batch ${batch} --steps ${steps}${density < 1 ? ` --density ${density}` : ''}${inner ? ' --inner' : ''}${shapes ? ' --shapes' : ''}`;
  console.log(
    `${modelName}${density < 1 ? ` at density ${density} (random mask${model.setSparsity ? '; sparse kernels where the density is at most the threshold' : ''})` : ''}, batch ${batch}, wasm (${started.threads ?? 1} thread${(started.threads ?? 1) === 1 ? '' : 's'}), tfjs ${tf.version_core}, ${process.version}; ` +
      `step (forward + backward + SGD momentum 0.9, wd 1e-4): median ${median(stepMs).toFixed(1)} ms, ` +
      `mean ${mean.toFixed(1)} ms over ${steps} steps → ${((batch * 1000) / median(stepMs)).toFixed(0)} samples/s`,
  );
  console.log(`reproduce: ${cmd}\n`);
  console.log(`| kernel | calls/step | ms/step | share |`);
  console.log(`|---|---:|---:|---:|`);
  for (const r of rows) {
    console.log(`| ${r.name} | ${+r.calls.toFixed(2)} | ${r.ms.toFixed(1)} | ${pct(r.ms)} |`);
    if (!inner) continue;
    const children = [...timer.stats.entries()]
      .filter(([k]) => k.startsWith(`${r.name} › `))
      .map(([k, s]) => ({ name: k.slice(r.name.length + 3), calls: s.calls / steps, ms: s.ms / steps }))
      .sort((a, b) => b.ms - a.ms);
    for (const c of children) {
      console.log(`| &nbsp;&nbsp;↳ ${c.name} | ${+c.calls.toFixed(2)} | ${c.ms.toFixed(1)} | ${pct(c.ms)} |`);
    }
  }
  console.log(
    `| outside kernels (tape, bookkeeping, JS) | | ${(mean - inKernels).toFixed(1)} | ${pct(mean - inKernels)} |`,
  );
  console.log(`| **step** | | **${mean.toFixed(1)}** | 100 % |`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
