import type { PrunekitEvent } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { parseCommand } from './args.js';
import { sweepCommand } from './commands/sweep.js';
import { deal, jobCount, parseJobs, workerFailure } from './jobs.js';
import { createJobsProgress } from './progress.js';

describe('deal', () => {
  it('deals round-robin: sizes differ by at most one, order kept', () => {
    expect(deal([0, 1, 2, 3, 4], 2)).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
    expect(deal(['a', 'b'], 3)).toEqual([['a'], ['b'], []]);
  });
});

describe('parseJobs / jobCount', () => {
  const jobs = (...a: string[]) => parseJobs(parseCommand(sweepCommand, ['s.yaml', ...a]));
  it('reads a whole number or auto (the default)', () => {
    expect(jobs()).toBe('auto');
    expect(jobs('--jobs', 'auto')).toBe('auto');
    expect(jobs('--jobs', '3')).toBe(3);
    expect(() => jobs('--jobs', '0')).toThrow(
      /--jobs expects a whole number from 1 to 256 or 'auto', got '0'/,
    );
    expect(() => jobs('--jobs', 'two')).toThrow(/got 'two'/);
  });
  it('never starts more workers than there are units; 1 for nothing to do', () => {
    expect(jobCount(8, 3)).toBe(3);
    expect(jobCount(2, 5)).toBe(2);
    expect(jobCount(2, 0)).toBe(1);
    // Inside the test runner (TypeScript sources without tsx) auto stays in-process.
    expect(jobCount('auto', 4, 2)).toBe(1);
  });
  it('hides the worker option from --help', () => {
    expect(sweepCommand.options.worker?.hidden).toBe(true);
  });
});

describe('workerFailure', () => {
  const ok = { exitCode: 0, signal: null, failed: [], stopped: false, stderr: '' } as const;
  it('names the worker and its unit, keeps the code (so the exit code) of its error', () => {
    const err = workerFailure([
      { ...ok, worker: 0, result: { points: [] } },
      {
        ...ok,
        worker: 1,
        exitCode: 1,
        current: 'point 3/4: mlp-abc',
        error: { code: 'E_NAN', message: 'training loss became NaN' },
      },
    ]);
    expect(err?.code).toBe('E_NAN');
    expect(err?.message).toBe('worker 2 (point 3/4: mlp-abc): training loss became NaN');
  });
  it('a worker killed by a signal is E_INTERNAL; workers stopped because of it do not count', () => {
    const err = workerFailure([
      { ...ok, worker: 0, exitCode: null, signal: 'SIGTERM', stopped: true },
      {
        ...ok,
        worker: 1,
        exitCode: null,
        signal: 'SIGKILL',
        current: 'IMP (imp)',
        stderr: 'out of memory\n',
      },
    ]);
    expect(err?.code).toBe('E_INTERNAL');
    expect(err?.message).toMatch(/^worker 2 \(IMP \(imp\)\) was killed by SIGKILL: out of memory\. /);
  });
  it('a worker that finished with failed units (exit 1 and a result) is not an error here', () => {
    expect(workerFailure([{ ...ok, worker: 0, exitCode: 1, result: { points: [] }, failed: ['x'] }])).toBe(
      undefined,
    );
  });
});

describe('createJobsProgress', () => {
  const run = (rounds: number): PrunekitEvent[] => [
    { type: 'run-start', runId: 'r', dir: '/r', rounds, backend: 'wasm' },
    { type: 'log', level: 'info', message: 'backend: wasm' },
    { type: 'round-start', round: 0, rounds, density: 1, epochs: 1, stepsPerEpoch: 2 },
    { type: 'step', round: 0, epoch: 0, step: 1, steps: 2, loss: 1, lr: 0.1, samplesPerSecond: 100 },
  ];
  it('lines: prefixed worker lines, repeated info once, the fraction over all units', () => {
    let stderr = '';
    let t = 0;
    const p = createJobsProgress(
      'lines',
      { stdout: { write: () => {} }, stderr: { write: (s: string) => (stderr += s) } },
      { workers: 2, units: 4 },
      () => (t += 1000),
    );
    p.start(0, 'point 0');
    p.start(1, 'point 1');
    for (const e of run(1)) p.event(0, e);
    for (const e of run(1)) p.event(1, e);
    // each worker: round 0 of 2 phases, half its steps → 1/4 of a unit each
    expect(p.fraction()).toBe((0.25 + 0.25) / 4);
    p.end(0);
    expect(p.fraction()).toBe((1 + 0.25) / 4);
    const lines = stderr.trim().split('\n');
    expect(lines.filter((l) => l.endsWith('backend: wasm'))).toEqual(['[1] backend: wasm']);
    expect(lines).toContain('[2] run r (1 pruning round, backend wasm)');
    expect(lines.at(-1)).toMatch(/^\[all\] 1\/4 finished, 31%, ETA \d+:\d\d$/);
  });
  it('tty: one live line over all workers (bar, percent, what each runs, summed samples/s, ETA)', () => {
    let stderr = '';
    let t = 0;
    const p = createJobsProgress(
      'tty',
      { stdout: { write: () => {} }, stderr: { write: (s: string) => (stderr += s), columns: 160 } },
      { workers: 2, units: 2 },
      () => (t += 1000),
    );
    p.start(0, 'point 0');
    p.start(1, 'point 1');
    for (const e of run(1)) p.event(0, e);
    for (const e of run(1)) p.event(1, e);
    const last = stderr.split('\r\x1b[2K').at(-1)!;
    expect(last).toMatch(
      /^0\/2 █{6}░{18} {2}25% \[1\] round 0\/1 ep 1\/1 · \[2\] round 0\/1 ep 1\/1 · 200 samples\/s · ETA \d+:\d\d$/,
    );
    p.clear();
    expect(stderr.endsWith('\r\x1b[2K')).toBe(true);
  });
  it('json: every worker event with its worker number', () => {
    let stdout = '';
    const p = createJobsProgress(
      'json',
      { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => {} } },
      { workers: 2, units: 1 },
    );
    p.event(1, { type: 'log', level: 'warn', message: 'x' });
    expect(JSON.parse(stdout)).toEqual({ type: 'log', level: 'warn', message: 'x', worker: 2 });
  });
});
