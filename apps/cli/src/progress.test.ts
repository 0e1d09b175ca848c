import type { PrunekitEvent } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { clock, createProgress, duration, pct } from './progress.js';

/** A short run: warm-up, round 0, prune, round 1 — with a fake clock advancing 1 s per event. */
const EVENTS: PrunekitEvent[] = [
  { type: 'run-start', runId: 'mlp-1', dir: '/r/mlp-1', rounds: 1, backend: 'wasm' },
  { type: 'round-start', round: 0, rounds: 1, density: 1, epochs: 1, stepsPerEpoch: 4, phase: 'warmup' },
  { type: 'epoch-start', round: 0, epoch: 0, epochs: 1 },
  { type: 'step', round: 0, epoch: 0, step: 2, steps: 4, loss: 1.5, lr: 0.05, samplesPerSecond: 1000 },
  { type: 'step', round: 0, epoch: 0, step: 4, steps: 4, loss: 1.25, lr: 0.1, samplesPerSecond: 3000 },
  { type: 'epoch-end', round: 0, epoch: 0, loss: 1.375, seconds: 2 },
  { type: 'round-start', round: 0, rounds: 1, density: 1, epochs: 1, stepsPerEpoch: 4 },
  { type: 'round-end', round: 0, density: 1, testLoss: 0.5, testAccuracy: 0.8125 },
  { type: 'prune', round: 1, density: 0.8, layerDensity: { 'fc1.weight': 0.8 } },
  { type: 'round-start', round: 1, rounds: 1, density: 0.8, epochs: 1, stepsPerEpoch: 4 },
  { type: 'log', level: 'warn', message: 'careful' },
  { type: 'round-end', round: 1, density: 0.8, testLoss: 0.25, testAccuracy: 0.875 },
  { type: 'run-end', runId: 'mlp-1', dir: '/r/mlp-1', seconds: 12.5 },
];

function capture(mode: 'tty' | 'lines' | 'json' | 'quiet') {
  let t = 0;
  const out = { stdout: '', stderr: '' };
  const p = createProgress(
    mode,
    {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s), columns: 120 },
    },
    () => (t += 1000),
  );
  for (const e of EVENTS) p.sink(e);
  p.clear();
  return out;
}

describe('createProgress', () => {
  it('lines: one line per run, round, epoch, prune and log, with the warm-up named', () => {
    const { stdout, stderr } = capture('lines');
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([
      'run mlp-1 (1 pruning round, backend wasm)',
      '  dir /r/mlp-1',
      'warm-up: density 100.0%, 1 epoch × 4 steps',
      '  warm-up epoch 1/1: loss 1.3750, 2,000 samples/s, 2.0 s',
      'round 0/1 (after warm-up): density 100.0%, 1 epoch × 4 steps',
      'round 0/1 done: test accuracy 81.3%, test loss 0.5000, density 100.0% (1.0 s)',
      'pruned for round 1: density 80.0%',
      'round 1/1: density 80.0%, 1 epoch × 4 steps',
      'warning: careful',
      'round 1/1 done: test accuracy 87.5%, test loss 0.2500, density 80.0% (1.0 s)',
      'run mlp-1 finished in 12.5 s',
      '',
    ]);
  });

  it('tty: a live bar (\\r-redrawn) with loss, accuracy, density, samples/s and ETA, then permanent round lines', () => {
    const { stderr } = capture('tty');
    const frames = stderr.split('\r\x1b[2K').filter(Boolean);
    // After the second step (2 steps in 2 fake seconds: 1 step/s; samples/s smoothed 0.7·1000 + 0.3·3000):
    // the warm-up is done, round 0's training and round 1 (4 steps each) are left → ETA 0:08. The bar
    // is 24 columns wide on a 120-column terminal.
    expect(frames).toContain(
      'warm-up ████████████████████████ 100% ep 1/1 · loss 1.2500 · density 100.0% · 1,600 samples/s · ETA 0:08',
    );
    expect(stderr).toContain(
      'round 0/1 done: test accuracy 81.3%, test loss 0.5000, density 100.0% (2.0 s)\n',
    );
    expect(stderr).toContain('warning: careful\n');
    expect(stderr.endsWith('run mlp-1 finished in 12.5 s\n')).toBe(true);
  });

  it('json: every event as one JSON line on stdout, nothing on stderr', () => {
    const { stdout, stderr } = capture('json');
    expect(stderr).toBe('');
    expect(
      stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(EVENTS);
  });

  it('quiet: nothing', () => {
    expect(capture('quiet')).toEqual({ stdout: '', stderr: '' });
  });
});

describe('formatting', () => {
  it('pct, clock and duration', () => {
    expect([pct(1), pct(0.8372), pct(0.0625), pct(0.03125), pct(0.0041), pct(0)]).toEqual([
      '100.0%',
      '83.7%',
      '6.25%',
      '3.13%',
      '0.41%',
      '0.0%',
    ]);
    expect([clock(0), clock(59.6), clock(125), clock(3725)]).toEqual(['0:00', '1:00', '2:05', '1:02:05']);
    expect([duration(12.34), duration(151)]).toEqual(['12.3 s', '2 min 31 s']);
  });
});
