import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
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
  if (!rel || rel === '..' || /^\.\.[\\/]/.test(rel) || isAbsolute(rel) || /[\\/\0]/.test(id)) {
    throw new PruneError('E_RECIPE', `run name '${id}' would leave the output directory ${root}`, {
      hint: 'use a plain name (letters, digits, dot, dash, underscore)',
    });
  }
  return dir;
}

/**
 * An exclusive lock on a run directory: a `run.lock` file holding `<pid>@<host>`. It is created
 * complete or not at all (written to a temp file, then hard-linked to `run.lock`, which fails if
 * the lock exists), so a crash never leaves a half-written lock. A lock left by a dead process on
 * this host, or one that does not hold `<pid>@<host>`, is taken over.
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
  const tmp = join(dir, `.${RUN_FILES.lock}.new-${process.pid}@${hostname()}`);
  const ioError = (e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    const full = code === 'ENOSPC' || code === 'EDQUOT';
    const denied = code === 'EACCES' || code === 'EROFS' || code === 'EPERM';
    const what = full
      ? `: the disk is full (${code})`
      : denied
        ? `: the directory is not writable (${code})`
        : ` (${e instanceof Error ? e.message : String(e)})`;
    return new PruneError('E_IO', `cannot create the lock file ${path}${what}; nothing was changed`, {
      cause: e,
      where: path,
      hint: `${full ? 'free some disk space' : "fix the directory's permissions"} (or choose another --out directory), then run the command again`,
    });
  };
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, me);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    rmSync(tmp, { force: true });
    throw ioError(e);
  }
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkOrCreate(tmp, path, me);
        removeDeadLockTemps(dir);
        return () => {
          try {
            if (readFileSync(path, 'utf8') === me) rmSync(path, { force: true });
          } catch {
            // already gone
          }
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(e);
        let holder: string;
        try {
          holder = readFileSync(path, 'utf8').trim();
        } catch {
          continue; // released in between
        }
        const [pid, host] = holder.split('@');
        const wellFormed = /^\d+@.+$/.test(holder);
        if (!wellFormed || (host === hostname() && pid && !alive(Number(pid)))) {
          rmSync(path, { force: true }); // stale: its process is gone (or a foreign, broken lock)
          continue;
        }
        throw new PruneError('E_LOCK', `run directory ${dir} is in use by process ${holder}`, {
          hint: `wait for it to finish, or stop it; if no such process runs, delete ${path}`,
          where: dir,
        });
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  throw new PruneError('E_LOCK', `could not lock ${dir}`, { where: dir });
}

/** `link(tmp, path)`; where the filesystem has no hard links, an exclusive create (`wx`) instead. */
function linkOrCreate(tmp: string, path: string, content: string): void {
  try {
    linkSync(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
  }
}

/** Remove lock temp files (`.run.lock.new-<pid>@<host>`) of this host's processes that are gone (killed while locking). */
function removeDeadLockTemps(dir: string): void {
  const prefix = `.${RUN_FILES.lock}.new-`;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(prefix)) continue;
    const [pid, host] = f.slice(prefix.length).split('@');
    if (host === hostname() && Number(pid) !== process.pid && !alive(Number(pid)))
      rmSync(join(dir, f), { force: true });
  }
}

/**
 * Temp files of interrupted atomic writes (`.<name>.tmp-<pid>-<n>`, see `writeFileAtomic`) in a
 * run directory, its `checkpoint/` and `rounds/<r>/`. Call it while holding the run's lock: no
 * other process writes there then, so every such file is left over from a crash.
 *
 * @example
 * ```ts
 * const release = lockRunDir(dir); removeStaleTempFiles(dir);
 * ```
 */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  const sweep = (d: string) => {
    if (!existsSync(d)) return;
    for (const f of readdirSync(d)) {
      if (/^\..+\.tmp-\d+-\d+$/.test(f)) {
        rmSync(join(d, f), { force: true });
        removed.push(join(d, f));
      }
    }
  };
  sweep(dir);
  sweep(join(dir, 'checkpoint'));
  const rounds = join(dir, 'rounds');
  if (existsSync(rounds)) {
    for (const r of readdirSync(rounds, { withFileTypes: true }))
      if (r.isDirectory()) sweep(join(rounds, r.name));
  }
  return removed;
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
 * With `expected` (the count a checkpoint recorded), only the first `expected` records are read:
 * lines after them — records written after that checkpoint, or a torn last line of an interrupted
 * append — are ignored, and a file with fewer records is an `E_CHECKPOINT` naming it.
 *
 * @example
 * ```ts
 * readJsonl('runs/lrr-3f9a/metrics.jsonl').filter((m) => m.type === 'round');
 * readJsonl('runs/lrr-3f9a/metrics.jsonl', 4); // the 4 records of the last checkpoint
 * ```
 */
export function readJsonl(path: string, expected?: number): Record<string, unknown>[] {
  if (!existsSync(path)) {
    if (expected) throw shortJsonl(path, 0, expected);
    return [];
  }
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  const wanted = expected === undefined ? lines : lines.slice(0, expected);
  if (expected !== undefined && wanted.length < expected) throw shortJsonl(path, wanted.length, expected);
  return wanted.map((l, i) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch (e) {
      throw new PruneError('E_CHECKPOINT', `${path}:${i + 1} is not valid JSON`, {
        cause: e,
        where: path,
        hint: 'the file is damaged; restore it from a copy, or start the run again in a new directory',
      });
    }
  });
}

function shortJsonl(path: string, found: number, expected: number): PruneError {
  return new PruneError(
    'E_CHECKPOINT',
    `${path} holds ${found} records but the run's checkpoint expects at least ${expected}`,
    {
      where: path,
      hint: 'the file was truncated or replaced after the checkpoint; restore it, or start the run again in a new directory',
    },
  );
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
