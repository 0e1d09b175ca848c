/**
 * Crash safety of `prunekit run` / `prunekit resume` as real processes. A fault-injection preload
 * (`testing/faults.ts`) SIGKILLs the CLI at points chosen by a seeded RNG from the trace of an
 * uninterrupted run — during training (step events), in the middle of checkpoint, mask, weight
 * and JSONL writes (after a random number of bytes), before renames and fsyncs, between rounds —
 * then every file left under its final name must be valid, and `prunekit resume` (through the CLI)
 * must finish with masks, weights, metrics and signs bit-identical to the uninterrupted run.
 * Injected ENOSPC / EACCES check the disk-full and unwritable-directory paths the same way.
 *
 * A failure names the seed and the kill point; rerun it with PRUNEKIT_CRASH_SEED=<seed>.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rng } from '@prunekit/core';
import { createRng, loadSafetensors } from '@prunekit/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../../packages/experiment/src/testing/fixtures.js';
import { type CliResult, jsonLines, prunekit } from './testing/cli-process.js';
import type { TraceEntry } from './testing/faults.js';

const SEED = Number(process.env.PRUNEKIT_CRASH_SEED ?? 20_250_607);

/**
 * Tiny but complete: dense warm-up, 3 trainings (rounds 0–2) of 2 epochs of 12 steps (a step event
 * at step 10 and 12 of each epoch, so kills land mid-epoch too), weight rewinding, per-epoch sign
 * tracking and sign perturbation (signs.jsonl), checkpoints at every epoch end.
 */
const RECIPE = {
  model: { name: 'mlp', options: { inputShape: [8], hidden: [16], classes: 3 } },
  dataset: { name: 'gaussian-mixture', options: { dims: 8, trainSize: 192, testSize: 60 } },
  training: { epochs: '2ep', batchSize: 16, warmup: '1ep' },
  pruning: { rounds: 2 },
  rewind: { policy: { name: 'weight-rewind' } },
  signs: { track: true, perturb: { every: '1ep', probability: 0.1 } },
};

const TIMEOUT = 300_000; // per child process; the machine may be shared
const work = mkdtempSync(join(tmpdir(), 'pk-crash-'));
writeFileSync(join(work, 'recipe.json'), JSON.stringify(RECIPE));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The uninterrupted run: its directory name, fingerprint and trace of file operations and events. */
let ref: { runId: string; expected: Record<string, string>; trace: TraceEntry[] };

beforeAll(async () => {
  const trace = join(work, 'ref-trace.json');
  const r = await prunekit(['run', 'recipe.json', '--out', 'ref', '--json'], {
    cwd: work,
    faults: { spec: 'count', dir: join(work, 'ref'), trace },
    timeout: TIMEOUT,
  });
  expect(r.status, r.stderr).toBe(0);
  const runId = resultOf(r).runId;
  ref = {
    runId,
    expected: fingerprint(join(work, 'ref', runId)),
    trace: JSON.parse(readFileSync(trace, 'utf8')) as TraceEntry[],
  };
  expect(Object.keys(ref.expected)).toEqual(
    expect.arrayContaining(['rounds/2/mask.safetensors', 'metrics.jsonl', 'signs.jsonl', 'summary.csv']),
  );
}, TIMEOUT);

function resultOf(r: CliResult): { runId: string; dir: string } {
  const line = jsonLines(r.stdout).find((l) => l.type === 'result') as
    | { runs: { runId: string; dir: string }[] }
    | undefined;
  if (!line) throw new Error(`no result line in the output; stderr: ${r.stderr.slice(-2000)}`);
  return line.runs[0]!;
}

/** A kill point: a `$PRUNEKIT_FAULT` spec for the run and what it means, for messages. */
interface Point {
  readonly spec: string;
  readonly what: string;
}

/** One crash scenario: the run is killed at `kills[0]`, each resume at the next point, then resumed to the end. */
interface Scenario {
  readonly kills: readonly Point[];
  /** Append a torn line to metrics.jsonl and signs.jsonl after the first crash. */
  readonly torn?: boolean;
}

const shortPath = (p = '') => p.replace(/^[^/]+\//, '').replace(/\.tmp-\d+-\d+$/, '.tmp');

/** A kill at a traced file operation; writes are cut after a random fraction of their bytes. */
function at(e: TraceEntry, rng: Rng): Point {
  if (e.op === 'event')
    return { spec: `kill:event:${e.type!}:${e.n}`, what: `after ${e.type!} event #${e.n}` };
  if (e.op === 'write') {
    const fraction = Math.floor(rng.next() * 1000) / 1000;
    return {
      spec: `kill:write:${e.n}:${fraction}`,
      what: `inside write #${e.n} to ${shortPath(e.path)} after ${Math.floor(fraction * (e.bytes ?? 0))} of ${e.bytes} bytes`,
    };
  }
  return { spec: `kill:${e.op}:${e.n}`, what: `before ${e.op} #${e.n} of ${shortPath(e.path)}` };
}

/** `k` distinct entries chosen by `rng`, in trace order. */
function pick<T>(items: readonly T[], k: number, rng: Rng): T[] {
  if (items.length < k) throw new Error(`only ${items.length} candidates for ${k} kill points`);
  const idx = new Set<number>();
  while (idx.size < k) idx.add(rng.int(items.length));
  return [...idx].sort((a, b) => a - b).map((i) => items[i]!);
}

const ops = (op: TraceEntry['op'], re: RegExp) =>
  ref.trace.filter((e) => e.op === op && re.test(e.path ?? ''));
const events = (type: string) => ref.trace.filter((e) => e.op === 'event' && e.type === type);

/** Where an interrupted run is continued: `resume` once it has a recipe.json, else `run` again. */
async function continueRun(out: string, spec?: string): Promise<CliResult> {
  const dir = join(out, ref.runId);
  const args = existsSync(join(dir, 'recipe.json'))
    ? ['resume', dir, '--json']
    : ['run', join(work, 'recipe.json'), '--out', out, '--json'];
  return prunekit(args, { cwd: work, timeout: TIMEOUT, ...(spec ? { faults: { spec, dir: out } } : {}) });
}

/**
 * Every file under its final name must be whole: safetensors pass their length and checksum
 * checks, JSON parses, every JSONL line parses, and the checkpoint's generation files exist.
 */
function checkWhole(dir: string, where: string): void {
  const walk = (d: string) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, f.name);
      if (f.isDirectory()) walk(p);
      else if (/\.tmp-\d+-\d+$/.test(f.name) || f.name.startsWith('.run.lock.') || f.name === 'run.lock')
        continue;
      else if (f.name.endsWith('.safetensors')) loadSafetensors(p);
      else if (f.name.endsWith('.jsonl')) {
        for (const l of readFileSync(p, 'utf8').split('\n').filter(Boolean)) JSON.parse(l);
      } else if (f.name.endsWith('.json')) JSON.parse(readFileSync(p, 'utf8'));
      else if (f.name.endsWith('.csv'))
        expect(readFileSync(p, 'utf8').endsWith('\n'), `${where}: ${p}`).toBe(true);
      else throw new Error(`${where}: unexpected file ${p}`);
    }
  };
  if (!existsSync(dir)) return;
  try {
    walk(dir);
    const state = join(dir, 'checkpoint', 'state.json');
    if (existsSync(state)) {
      const { gen } = JSON.parse(readFileSync(state, 'utf8')) as { gen: number };
      for (const k of ['model', 'optimizer'])
        loadSafetensors(join(dir, 'checkpoint', `gen-${gen}.${k}.safetensors`));
    }
  } catch (e) {
    throw new Error(`${where}: a file left by the crash is not whole: ${(e as Error).message}`);
  }
}

/** Files that must not be left once a run has finished: temp files and the lock. */
function leftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(d, f.name));
      else if (/\.tmp-|^\.run\.lock|^run\.lock$/.test(f.name)) out.push(join(d, f.name));
    }
  };
  walk(dir);
  return out;
}

/** Run one scenario and return its problems (empty when it passed). */
async function runScenario(s: Scenario, label: string): Promise<string[]> {
  const out = join(work, label);
  mkdirSync(out, { recursive: true });
  const dir = join(out, ref.runId);
  const where = (i: number) =>
    `seed ${SEED}, ${label}: ${s.kills
      .slice(0, i + 1)
      .map((k) => `${k.spec} (${k.what})`)
      .join(' → ')}`;
  const problems: string[] = [];
  for (const [i, k] of s.kills.entries()) {
    const r =
      i === 0
        ? await prunekit(['run', join(work, 'recipe.json'), '--out', out, '--json'], {
            cwd: work,
            timeout: TIMEOUT,
            faults: { spec: k.spec, dir: out },
          })
        : await continueRun(out, k.spec);
    if (r.signal !== 'SIGKILL') {
      return [
        `${where(i)}: expected the process to be killed, got status ${r.status}; stderr: ${r.stderr.slice(-1500)}`,
      ];
    }
    if (existsSync(join(dir, 'done.json'))) return [`${where(i)}: done.json exists after the kill`];
    try {
      checkWhole(dir, where(i));
    } catch (e) {
      problems.push((e as Error).message);
    }
    if (i === 0 && s.torn && existsSync(dir)) {
      // An interrupted append: a last line without its end. Resume must ignore it.
      appendFileSync(join(dir, 'metrics.jsonl'), '{"type":"round","round":1,"dens');
      appendFileSync(join(dir, 'signs.jsonl'), '{"type":"epoch-fl');
    }
  }
  const r = await continueRun(out);
  const w = where(s.kills.length - 1);
  if (r.status !== 0) return [...problems, `${w}: resume failed with ${r.status}: ${r.stderr.slice(-1500)}`];
  if (resultOf(r).dir !== dir) problems.push(`${w}: resumed ${resultOf(r).dir}, expected ${dir}`);
  const got = fingerprint(dir);
  for (const f of new Set([...Object.keys(ref.expected), ...Object.keys(got)])) {
    if (got[f] !== ref.expected[f]) problems.push(`${w}: ${f} differs from the uninterrupted run`);
  }
  const left = leftovers(dir);
  if (left.length) problems.push(`${w}: left behind ${left.join(', ')}`);
  return problems;
}

/** Run scenarios two at a time (two child processes); return every problem. */
async function runAll(scenarios: readonly Scenario[], prefix: string): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < scenarios.length) {
      const i = next++;
      problems.push(...(await runScenario(scenarios[i]!, `${prefix}-${i}`)));
    }
  };
  await Promise.all([worker(), worker()]);
  return problems;
}

describe(`SIGKILL and resume (seed ${SEED})`, () => {
  it('during training: after step events mid-epoch and at epoch ends (one followed by torn JSONL lines)', async () => {
    const rng = createRng(SEED).fork('training');
    const kills = pick(events('step'), 5, rng).map((e) => at(e, rng));
    const scenarios: Scenario[] = kills.map((k, i) => ({ kills: [k], torn: i === 2 }));
    expect(await runAll(scenarios, 'train')).toEqual([]);
  }, 900_000);

  it('during checkpoint writes: in the middle of the model, optimizer and state files, before their fsync and rename', async () => {
    const rng = createRng(SEED).fork('checkpoint');
    const ckpt = /\/checkpoint\//;
    const kills = [
      ...pick(ops('write', ckpt), 4, rng),
      ...pick(ops('fsync', ckpt), 1, rng),
      ...pick(ops('rename', ckpt), 2, rng),
    ].map((e) => at(e, rng));
    expect(
      await runAll(
        kills.map((k) => ({ kills: [k] })),
        'ckpt',
      ),
    ).toEqual([]);
  }, 900_000);

  it('during mask writes and between rounds: masks, trained/rewound weights, metrics and signs files, round-end and prune', async () => {
    const rng = createRng(SEED).fork('rounds');
    const kills = [
      ...pick(ops('write', /rounds\/[12]\/\.mask\.safetensors/), 3, rng),
      ...pick(ops('rename', /rounds\/[12]\/mask\.safetensors$/), 1, rng),
      ...pick(ops('write', /rounds\/\d+\/\.(trained|rewound)\.safetensors/), 2, rng),
      ...pick(ops('write', /\.(metrics|signs)\.jsonl\.tmp/), 2, rng),
      ...pick([...events('round-end'), ...events('prune')], 2, rng),
    ].map((e) => at(e, rng));
    expect(
      await runAll(
        kills.map((k) => ({ kills: [k] })),
        'rounds',
      ),
    ).toEqual([]);
  }, 900_000);

  it('first and last writes, and crashes of the resume itself', async () => {
    const rng = createRng(SEED).fork('chains');
    const writes = ops('write', /./);
    const lock = writes[0]!;
    const done = writes.findLast((e) => /\.done\.json\.tmp/.test(e.path ?? ''))!;
    expect(lock.path).toMatch(/\/\.run\.lock\.new-/);
    const [early] = pick(events('step').slice(0, 4), 1, rng);
    const [mid] = pick(ops('write', /\/checkpoint\//).slice(20, -20), 1, rng);
    // Each resume does at least three writes (its lock, summary.csv, done.json): kill it in one of them.
    const resumeWrite = (): Point => {
      const n = 1 + rng.int(3);
      const fraction = Math.floor(rng.next() * 1000) / 1000;
      return {
        spec: `kill:write:${n}:${fraction}`,
        what: `inside the resume's write #${n}, ${fraction} of its bytes`,
      };
    };
    const scenarios: Scenario[] = [
      { kills: [at(lock, rng)] },
      { kills: [at(done, rng)] },
      // The resume is killed at its first checkpoint event, the next resume in one of its writes.
      {
        kills: [
          at(early!, rng),
          { spec: 'kill:event:checkpoint:1', what: 'after the first checkpoint event' },
          resumeWrite(),
        ],
      },
      { kills: [at(mid!, rng), resumeWrite()] },
    ];
    expect(await runAll(scenarios, 'chain')).toEqual([]);
  }, 900_000);
});

describe(`disk full and unwritable directory (seed ${SEED})`, () => {
  /** Fail the given operation and every later one of its kind; then check the error, the files, and resume. */
  async function failThenResume(
    label: string,
    spec: string,
    e: TraceEntry,
    expected: RegExp,
  ): Promise<string[]> {
    const out = join(work, label);
    const dir = join(out, ref.runId);
    const file = join(out, e.path!.replace(/\/\.([^/]+)\.tmp-\d+-\d+$/, '/$1'));
    const w = `seed ${SEED}, ${label}: ${spec} (${e.op} #${e.n} of ${shortPath(e.path)})`;
    const r = await prunekit(['run', join(work, 'recipe.json'), '--out', out, '--quiet'], {
      cwd: work,
      timeout: TIMEOUT,
      faults: { spec, dir: out },
    });
    const problems: string[] = [];
    if (r.status !== 1) return [`${w}: expected exit 1, got ${r.status} (${r.signal}); stderr: ${r.stderr}`];
    const lines = r.stderr.trim().split('\n');
    if (lines.length !== 1) problems.push(`${w}: expected one error line, got:\n${r.stderr}`);
    const message = lines[0]!;
    if (!message.includes(/run\.lock/.test(e.path!) ? join(dir, 'run.lock') : file))
      problems.push(`${w}: the message does not name the file: ${message}`);
    if (!expected.test(message)) problems.push(`${w}: unexpected message: ${message}`);
    if (existsSync(join(dir, 'checkpoint', 'state.json')) && !message.includes(`\`prunekit resume ${dir}\``))
      problems.push(`${w}: the message does not say how to resume: ${message}`);
    try {
      checkWhole(dir, w);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (existsSync(dir) && leftovers(dir).length)
      problems.push(`${w}: left behind ${leftovers(dir).join(', ')}`);
    // Space is back: continue through the CLI.
    const again = await continueRun(out);
    if (again.status !== 0)
      return [...problems, `${w}: resume failed with ${again.status}: ${again.stderr.slice(-1500)}`];
    const got = fingerprint(dir);
    for (const f of new Set([...Object.keys(ref.expected), ...Object.keys(got)])) {
      if (got[f] !== ref.expected[f]) problems.push(`${w}: ${f} differs from the uninterrupted run`);
    }
    return problems;
  }

  it('ENOSPC in a checkpoint, mask or lock write and EACCES on a metrics file: exit 1 naming the file and the fix, earlier files intact, resume finishes bit-identical', async () => {
    const rng = createRng(SEED).fork('disk-full');
    const full =
      /: the disk is full \(ENOSPC\); .*free some disk space \(or choose another --out directory\), then run the same command again.* \[E_IO\]$/;
    const [ckpt] = pick(ops('write', /\/checkpoint\//).slice(40), 1, rng);
    const [mask] = pick(ops('write', /rounds\/[12]\/\.mask\.safetensors/), 1, rng);
    const lock = ops('write', /./)[0]!;
    const [metrics] = pick(ops('open', /\.metrics\.jsonl\.tmp/), 1, rng);
    const cases: [string, string, TraceEntry, RegExp][] = [
      ['enospc-ckpt', `fail:write:${ckpt!.n}:ENOSPC`, ckpt!, full],
      ['enospc-mask', `fail:write:${mask!.n}:ENOSPC`, mask!, full],
      [
        'enospc-lock',
        `fail:write:${lock.n}:ENOSPC`,
        lock,
        /^prunekit run: cannot create the lock file .*: the disk is full \(ENOSPC\); nothing was changed\. free some disk space .*then run the command again\. \[E_IO\]$/,
      ],
      [
        'eacces-metrics',
        `fail:open:${metrics!.n}:EACCES`,
        metrics!,
        /: its directory is not writable \(EACCES\); .*fix the directory's permissions \(or choose another --out directory\), then run the same command again.* \[E_IO\]$/,
      ],
    ];
    const problems: string[] = [];
    for (let i = 0; i < cases.length; i += 2) {
      const batch = await Promise.all(cases.slice(i, i + 2).map((c) => failThenResume(...c)));
      problems.push(...batch.flat());
    }
    expect(problems).toEqual([]);
  }, 900_000);
});
