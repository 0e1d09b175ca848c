/**
 * The reproductions as a plan: the recipe files of `examples/reproductions/` turned into sweeps
 * (with the reference placeholders filled in and, at smoke scale, shrunk), in two phases.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { PruneError, parseStep } from '@prunekit/core';
import {
  type Recipe,
  type Sweep,
  type SweepPoint,
  expandSweep,
  inferPreset,
  neuronStudySchema,
  parseYamlObject,
  runDirectory,
} from '@prunekit/experiment';

/** How big the runs are: `full` as the recipe files say; `smoke` a seconds-long plumbing check. */
export type Scale = 'smoke' | 'full';

/** Overrides that make every recipe tiny at smoke scale. */
export const SMOKE = {
  seeds: 2,
  rounds: 2,
  limit: { 'lenet-300-100': 256, conv4: 32 } as Record<string, number>,
  conv4Width: 4,
  neuron: { seeds: 8, steps: 200, trainSize: 64, testSize: 128 },
} as const;

/** Samples per second per core on wasm (measured on this project's 2-core CI machine), for ETAs and ordering. */
const SPEED: Record<string, number> = { 'lenet-300-100': 2200, conv4: 94 };

/** One sweep of the plan. */
export interface PlannedSweep {
  /** Recipe file name, e.g. `fmnist-lenet.yaml`. */
  readonly file: string;
  /** Phase 1 holds the runs others read (the LeNet IMP/LRR references); phase 2 the rest. */
  readonly phase: 1 | 2;
  readonly sweep: Sweep;
  /** Estimated core-seconds of one point. */
  readonly cost: number;
}

/** One one-neuron study of the plan. */
export interface PlannedStudy {
  /** `balanced` or `standard` (the initialization). */
  readonly label: string;
  readonly dir: string;
  /** The study options (input of `runNeuronStudy`). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly cost: number;
}

/** Everything the script runs, in phase order. */
export interface Plan {
  readonly scale: Scale;
  /** `<out>/<scale>`. */
  readonly root: string;
  /** Parent of the run directories: `<out>/<scale>/runs`. */
  readonly runsDir: string;
  readonly recipesDir: string;
  readonly studies: readonly PlannedStudy[];
  readonly sweeps: readonly PlannedSweep[];
}

/** A point with the sweep it belongs to and its run directory. */
export interface PlannedPoint {
  readonly sweep: PlannedSweep;
  readonly point: SweepPoint;
  /** Absolute run directory. */
  readonly dir: string;
}

/** The model a sweep file trains (base, set, else the presets' LeNet-300-100). */
function modelOf(raw: Record<string, unknown>): string {
  const set = (raw.set ?? {}) as Record<string, unknown>;
  const base = (raw.base ?? {}) as { model?: { name?: unknown } };
  const name = set['model.name'] ?? base.model?.name;
  return typeof name === 'string' ? name : 'lenet-300-100';
}

const PLACEHOLDER = /^\$\{([a-z0-9._-]+(?:\/[a-z0-9-]+)?)\}$/;

/** Replace `${arm}` strings (deeply) with `refs[arm]`. */
function fill(value: unknown, refs: Readonly<Record<string, string>>, where: string): unknown {
  if (typeof value === 'string') {
    const m = PLACEHOLDER.exec(value);
    if (!m) return value;
    const ref = refs[m[1]!];
    if (ref === undefined) {
      throw new PruneError('E_RECIPE', `${where}: unknown placeholder ${value}`, {
        hint: `use one of ${Object.keys(refs)
          .map((k) => `\${${k}}`)
          .join(', ')}`,
        where,
      });
    }
    return ref;
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, refs, where));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, refs, where)]));
  return value;
}

/** The `${…}` placeholders inside `value` (deeply), each once. */
function placeholders(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    const m = PLACEHOLDER.exec(value);
    if (m) out.add(m[1]!);
  } else if (Array.isArray(value)) for (const v of value) placeholders(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) placeholders(v, out);
  return out;
}

/** Estimated core-seconds of one run (training plus evaluation at a third of a training step's cost). */
export function runCost(r: Recipe): number {
  const limit = Number((r.dataset.options as { limit?: number }).limit ?? 60000);
  const epochs = (s: string) => {
    const p = parseStep(s);
    return p.unit === 'ep' ? p.value : p.value / Math.max(1, Math.ceil(limit / r.training.batchSize));
  };
  const trainEpochs = epochs(r.training.warmup) + (r.pruning.rounds + 1) * epochs(r.training.epochs);
  const width = Number((r.model.options as { width?: number }).width ?? 64);
  const speed =
    r.model.name === 'conv4'
      ? SPEED.conv4! * (32 / width) ** 2
      : (SPEED[r.model.name] ?? SPEED['lenet-300-100']!);
  return (limit * (trainEpochs + (r.pruning.rounds + 1) / 3)) / speed + 3;
}

/** A path for a recipe field: relative to the working directory when inside it (stable run ids). */
function portable(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : dir;
}

/** What must equal between an experiment-3 arm and the run it reads (all but the method). */
function setting(r: Recipe): string {
  const { epochs: _e, ...training } = r.training;
  return JSON.stringify({
    model: r.model,
    dataset: r.dataset,
    training,
    rounds: r.pruning.rounds,
    fraction: r.pruning.fraction,
    anchor: r.rewind.anchor,
  });
}

/**
 * Read `recipesDir` (`neuron-study.yaml` and sweep files `*.yaml`) and build the plan for `scale`,
 * with runs under `<out>/<scale>/runs`. Sweep files whose `set` holds `${imp}` / `${lrr}` run per
 * seed, reading the IMP / LRR run of the same model and seed from the other files; those other
 * files form phase 1. Every point is validated here, before anything runs.
 */
export function buildPlan(recipesDir: string, out: string, scale: Scale): Plan {
  const root = resolve(out, scale);
  const runsDir = join(root, 'runs');
  const files = readdirSync(recipesDir)
    .filter((f) => f.endsWith('.yaml') && f !== 'neuron-study.yaml')
    .sort();
  if (files.length === 0)
    throw new PruneError('E_REFERENCE', `${recipesDir} holds no sweep files (*.yaml)`, { where: recipesDir });

  // ---- one-neuron studies
  const neuronFile = join(recipesDir, 'neuron-study.yaml');
  const studies: PlannedStudy[] = [];
  if (existsSync(neuronFile)) {
    const raw = parseYamlObject(readFileSync(neuronFile, 'utf8'), neuronFile);
    const { inits = ['balanced'], ...rest } = raw as { inits?: unknown };
    if (!Array.isArray(inits) || inits.some((i) => i !== 'balanced' && i !== 'standard')) {
      throw new PruneError('E_RECIPE', `${neuronFile}: inits must be a list of 'balanced' and 'standard'`);
    }
    for (const init of inits as string[]) {
      const options = { ...rest, init, ...(scale === 'smoke' ? SMOKE.neuron : {}) };
      const parsed = neuronStudySchema.safeParse(options);
      if (!parsed.success)
        throw new PruneError(
          'E_RECIPE',
          `${neuronFile}: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
        );
      const o = parsed.data;
      const cost = (o.dims.reduce((a, d) => a + d, 0) * o.seeds * 3 * o.steps * o.trainSize * 3) / 1e9;
      studies.push({ label: init, dir: join(root, `neuron-${init}`), options, cost });
    }
  }

  // ---- sweeps
  const raws = files.map((file) => {
    const raw = parseYamlObject(readFileSync(join(recipesDir, file), 'utf8'), file);
    const model = modelOf(raw);
    if (scale === 'smoke') {
      raw.seeds = SMOKE.seeds;
      raw.set = {
        ...(raw.set as Record<string, unknown> | undefined),
        'pruning.rounds': SMOKE.rounds,
        'dataset.options.limit': SMOKE.limit[model] ?? SMOKE.limit['lenet-300-100'],
        ...(model === 'conv4' ? { 'model.options.width': SMOKE.conv4Width } : {}),
      };
    }
    return { file, raw, model, dependent: placeholders([raw.set, raw.base]).size > 0 };
  });
  const byStem = new Map(raws.map((r) => [stem(r.file), r]));
  const providers = new Set<string>();
  for (const r of raws.filter((x) => x.dependent)) {
    for (const ref of placeholders([r.raw.set, r.raw.base])) {
      const file = ref.split('/')[0]!;
      const provider = byStem.get(file);
      if (!provider || provider.dependent) {
        throw new PruneError(
          'E_RECIPE',
          `${r.file}: \${${ref}} names no sweep file ${file}.yaml without placeholders`,
          {
            hint: `write \${<file>/<arm>}, e.g. \${fmnist-lenet/imp}; files: ${[...byStem.keys()].join(', ')}`,
            where: r.file,
          },
        );
      }
      providers.add(provider.file);
    }
  }
  const sweeps: PlannedSweep[] = [];
  const make = (file: string, spec: unknown, phase: 1 | 2, source = file) => {
    const sweep = expandSweep(spec, { source });
    const cost = Math.max(...sweep.points.map((p) => runCost(p.recipe)));
    sweeps.push({ file, phase, sweep, cost });
    return sweeps.at(-1)!;
  };
  const madeFrom = new Map<string, PlannedSweep>();
  for (const r of raws.filter((x) => !x.dependent))
    madeFrom.set(stem(r.file), make(r.file, r.raw, providers.has(r.file) ? 1 : 2));

  for (const r of raws.filter((x) => x.dependent)) {
    const seeds = Number(r.raw.seeds ?? 1);
    for (let seed = 0; seed < seeds; seed++) {
      // `${file/arm}` → the run directory of that file's point with this arm (preset) and seed
      const refs: Record<string, string> = {};
      const readFrom = new Map<string, Recipe>();
      for (const ref of placeholders([r.raw.set, r.raw.base])) {
        const [file, arm] = ref.split('/') as [string, string | undefined];
        const found = madeFrom
          .get(file)!
          .sweep.points.filter(
            (p) => p.recipe.seed === seed && (arm === undefined || inferPreset(p.recipe) === arm),
          );
        if (found.length !== 1) {
          throw new PruneError(
            'E_RECIPE',
            `${r.file}: \${${ref}} matches ${found.length} runs of ${file}.yaml with seed ${seed}, not one`,
            {
              hint: 'name the arm by its preset (imp, lrr, fine-tune, …) and give the file as many seeds',
              where: r.file,
            },
          );
        }
        refs[ref] = portable(runDirectory(runsDir, found[0]!.runId));
        readFrom.set(ref, found[0]!.recipe);
      }
      const { seeds: _s, ...rest } = r.raw;
      const spec = fill(rest, refs, r.file) as Record<string, unknown>;
      spec.set = { ...(spec.set as Record<string, unknown>), seed };
      const made = make(r.file, spec, 2, `${r.file} (seed ${seed})`);
      for (const p of made.sweep.points) {
        for (const [ref, recipe] of readFrom) {
          if (setting(p.recipe) !== setting(recipe)) {
            throw new PruneError(
              'E_RECIPE',
              `${r.file}: its settings differ from those of the run it reads (\${${ref}}): model, dataset, training other than epochs, rounds, fraction and anchor must match`,
              { hint: 'make the set: overrides match the reference sweep file', where: r.file },
            );
          }
        }
      }
    }
  }
  return { scale, root, runsDir, recipesDir, studies, sweeps };
}

/** Every point of the plan (optionally of one phase), with its sweep and run directory. */
export function planPoints(plan: Plan, phase?: 1 | 2): PlannedPoint[] {
  return plan.sweeps
    .filter((s) => phase === undefined || s.phase === phase)
    .flatMap((s) =>
      s.sweep.points.map((point) => ({ sweep: s, point, dir: runDirectory(plan.runsDir, point.runId) })),
    );
}

/** Whether a run directory holds a finished run. */
export function isDone(dir: string): boolean {
  return existsSync(join(dir, 'done.json'));
}

/** Whether a study directory holds a finished study with exactly these options. */
export function studyDone(study: PlannedStudy): boolean {
  const file = join(study.dir, 'neuron-study.json');
  if (!existsSync(file) || !existsSync(join(study.dir, 'neuron-study.csv'))) return false;
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { options?: unknown };
    return JSON.stringify(stored.options) === JSON.stringify(neuronStudySchema.parse(study.options));
  } catch {
    return false;
  }
}

/** A short name for a sweep file: `fmnist-lenet.yaml` → `fmnist-lenet`. */
export function stem(file: string): string {
  return basename(file, '.yaml');
}
