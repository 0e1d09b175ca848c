import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  type Mask,
  type ModelSnapshot,
  PruneError,
  type RoundWeights,
  type RunReader,
  type Weights,
} from '@prunekit/core';
import { loadMask, loadWeights, writeFileAtomic } from '@prunekit/tensor';

/** File names inside a run directory. */
export const RUN_FILES = {
  recipe: 'recipe.json',
  lock: 'run.lock',
  init: 'init.safetensors',
  anchor: 'anchor.safetensors',
  anchorOptimizer: 'anchor.optimizer.safetensors',
  metrics: 'metrics.jsonl',
  signs: 'signs.jsonl',
  summary: 'summary.csv',
  state: 'checkpoint/state.json',
  done: 'done.json',
} as const;

/**
 * Path of a round's file: `rounds/<r>/<kind>.safetensors`.
 *
 * @example
 * ```ts
 * roundFile('runs/lrr-3f9a', 2, 'mask'); // 'runs/lrr-3f9a/rounds/2/mask.safetensors'
 * ```
 */
export function roundFile(dir: string, round: number, kind: 'mask' | 'trained' | 'rewound'): string {
  return join(dir, 'rounds', String(round), `${kind}.safetensors`);
}

/**
 * Resolve a run directory inside `out`, refusing names that would escape it.
 *
 * @example
 * ```ts
 * runDirectory('runs', 'lenet.fmnist-3f9a'); // "<cwd>/runs/lenet.fmnist-3f9a"
 * ```
 */
export function runDirectory(out: string, id: string): string {
  const root = resolve(out);
  const dir = resolve(root, id);
  const rel = relative(root, dir);
  if (!rel || rel.startsWith('..') || isAbsolute(rel) || /[\\/]/.test(id)) {
    throw new PruneError('E_RECIPE', `run name '${id}' would leave the output directory ${root}`, {
      hint: 'use a plain name (letters, digits, dot, dash, underscore)',
    });
  }
  return dir;
}

/**
 * An exclusive lock on a run directory (a `run.lock` file created with O_EXCL holding the pid).
 * A lock left by a dead process on this host is taken over.
 *
 * @example
 * ```ts
 * const release = lockRunDir(dir); try { … } finally { release(); }
 * ```
 */
export function lockRunDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, RUN_FILES.lock);
  const me = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, me);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8') === me) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PruneError(
          'E_IO',
          `cannot create the lock file ${path} (${(e as NodeJS.ErrnoException).code})`,
          { cause: e, where: path },
        );
      }
      const holder = readFileSync(path, 'utf8').trim();
      const [pid, host] = holder.split('@');
      if (host === hostname() && pid && !alive(Number(pid))) {
        rmSync(path, { force: true }); // stale: its process is gone
        continue;
      }
      throw new PruneError('E_LOCK', `run directory ${dir} is in use by process ${holder}`, {
        hint: `wait for it to finish, or stop it; if no such process runs, delete ${path}`,
        where: dir,
      });
    }
  }
  throw new PruneError('E_LOCK', `could not lock ${dir}`, { where: dir });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Read a JSONL file into records (a missing file is empty). Malformed lines throw naming the line.
 *
 * @example
 * ```ts
 * readJsonl('runs/lrr-3f9a/metrics.jsonl').filter((m) => m.type === 'round');
 * ```
 */
export function readJsonl(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  return lines.map((l, i) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch (e) {
      throw new PruneError('E_CHECKPOINT', `${path}:${i + 1} is not valid JSON`, { cause: e, where: path });
    }
  });
}

/**
 * Write records as JSONL, atomically.
 *
 * @example
 * ```ts
 * writeJsonl('out/rows.jsonl', [{ round: 0 }, { round: 1 }]);
 * ```
 */
export function writeJsonl(path: string, records: readonly unknown[]): void {
  writeFileAtomic(path, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/**
 * Write a JSON file atomically (pretty-printed).
 *
 * @example
 * ```ts
 * writeJson('out/summary.json', { ok: true });
 * ```
 */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Read a JSON file, with an `E_CHECKPOINT` naming the file if it is missing or malformed.
 *
 * @example
 * ```ts
 * const { runId } = readJson<{ runId: string }>('runs/lrr-3f9a/recipe.json', 'recipe');
 * ```
 */
export function readJson<T>(path: string, what = 'file'): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new PruneError(
      'E_CHECKPOINT',
      `cannot read the ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      {
        cause: e,
        where: path,
      },
    );
  }
}

/**
 * Split saved model weights back into params and state (state names are stored with a `state:` prefix).
 *
 * @example
 * ```ts
 * const { params, state } = splitSnapshot(loadWeights('runs/lrr-3f9a/anchor.safetensors').weights);
 * ```
 */
export function splitSnapshot(w: Weights): ModelSnapshot {
  const params: Weights = new Map();
  const state: Weights = new Map();
  for (const [k, v] of w) {
    if (k.startsWith('state:')) state.set(k.slice(6), v);
    else params.set(k, v);
  }
  return { params, state };
}

/**
 * Merge a snapshot into one map for saving (state names get a `state:` prefix).
 *
 * @example
 * ```ts
 * saveWeights('weights.safetensors', joinSnapshot(model.snapshot()));
 * ```
 */
export function joinSnapshot(s: ModelSnapshot): Weights {
  const out: Weights = new Map(s.params);
  for (const [k, v] of s.state) out.set(`state:${k}`, v);
  return out;
}

/**
 * Open a run directory for reading (cross-run references: "IMP with the LRR mask", signs of
 * another run). Throws `E_REFERENCE` naming the directory when it holds no run, and naming the
 * round when that round is not there (yet).
 *
 * @example
 * ```ts
 * const lrr = openRun('runs/lrr-3f9a'); const m3 = await lrr.mask(3);
 * ```
 */
export function openRun(dir: string): RunReader {
  const abs = resolve(dir);
  if (!existsSync(join(abs, RUN_FILES.recipe))) {
    throw new PruneError('E_REFERENCE', `${dir} is not a prunekit run directory (no ${RUN_FILES.recipe})`, {
      hint: 'pass the directory printed by `prunekit run` (e.g. runs/<run-id>)',
      where: dir,
    });
  }
  const need = (path: string, what: string) => {
    if (!existsSync(path)) {
      throw new PruneError('E_REFERENCE', `run ${dir} has no ${what} (${path})`, {
        hint: `finish or resume that run first; it has rounds 0..${lastRound(abs)}`,
        where: path,
      });
    }
    return path;
  };
  return {
    dir: abs,
    lastRound: () => lastRound(abs),
    mask: async (round: number): Promise<Mask> =>
      loadMask(need(roundFile(abs, round, 'mask'), `mask for round ${round}`)),
    weights: async (round: number, which: RoundWeights): Promise<ModelSnapshot> =>
      splitSnapshot(
        loadWeights(need(roundFile(abs, round, which), `${which} weights for round ${round}`)).weights,
      ),
    anchor: async () =>
      splitSnapshot(loadWeights(need(join(abs, RUN_FILES.anchor), 'rewind anchor')).weights),
  };
}

/**
 * Highest round with a saved mask (−1 if none).
 *
 * @example
 * ```ts
 * lastRound('runs/lrr-3f9a'); // 5 for a finished 5-round run
 * ```
 */
export function lastRound(dir: string): number {
  const rounds = join(dir, 'rounds');
  if (!existsSync(rounds)) return -1;
  return Math.max(
    -1,
    ...readdirSync(rounds)
      .filter(
        (d) =>
          /^\d+$/.test(d) &&
          existsSync(join(rounds, d, 'mask.safetensors')) &&
          statSync(join(rounds, d)).isDirectory(),
      )
      .map(Number),
  );
}
