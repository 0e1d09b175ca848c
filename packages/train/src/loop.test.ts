import * as tf from '@tensorflow/tfjs-core';
import { Mask } from '@prunekit/core';
import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { trainPhase } from './loop.js';
import { sgd } from './optimizers.js';
import { constant, cosine } from './schedules.js';
import { blobs, tinyMlp } from './testing.test-utils.js';

const halfMask = (model: ReturnType<typeof tinyMlp>) =>
  new Mask(
    model.params
      .filter((p) => p.prunable)
      .map((p) => {
        const n = p.shape.reduce((a, b) => a * b, 1);
        return [
          p.name,
          { shape: p.shape, data: Uint8Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0)) },
        ] as const;
      }),
  );

describe('trainPhase', () => {
  it('lowers the loss, keeps pruned weights exactly zero after every step, and leaks nothing', async () => {
    const model = tinyMlp(1);
    const data = blobs();
    const mask = halfMask(model);
    const opt = sgd(model, { momentum: 0.9, weightDecay: 1e-4 });
    const before = evaluate(model, data, 'test');
    const tensors = tf.memory().numTensors;
    let checked = 0;
    await trainPhase({
      model,
      data,
      optimizer: opt,
      schedule: cosine(0.1, 0.01, 30),
      steps: 30,
      batchSize: 16,
      dataSeed: 3,
      mask,
      hooks: {
        afterStep: () => {
          for (const [name, m] of mask.entries()) {
            const w = model.variable(name).dataSync();
            for (let i = 0; i < w.length; i++)
              if (m.data[i] === 0 && w[i] !== 0) throw new Error(`${name}[${i}] = ${w[i]}`);
          }
          checked++;
        },
      },
    });
    expect(checked).toBe(30);
    // The mask is applied to the optimizer's slots at every step: pruned momentum is exactly 0.
    const slots = opt.state().slots;
    for (const [name, m] of mask.entries()) {
      const buf = slots.get(`${name}/momentum`)!.data;
      expect(buf.some((v, i) => m.data[i] === 1 && v !== 0)).toBe(true);
      expect(buf.every((v, i) => m.data[i] === 1 || v === 0)).toBe(true);
    }
    // The optimizer's momentum slots were created during the phase: 2 prunable + 1 bias slot.
    expect(tf.memory().numTensors - tensors).toBe(3);
    const after = evaluate(model, data, 'test');
    expect(after.loss).toBeLessThan(before.loss * 0.7);
    expect(after.accuracy).toBeGreaterThan(0.6); // chance is 1/3
    opt.dispose();
    model.dispose();
  });

  it('tells the model its mask for a masked phase (setSparsity) and clears it after, also on error', async () => {
    const model = tinyMlp(2);
    const mask = halfMask(model);
    const calls: (string | undefined)[] = [];
    const seen: boolean[] = [];
    Object.assign(model, {
      setSparsity: (m: unknown) => calls.push(m === mask ? 'mask' : m === undefined ? undefined : 'other'),
    });
    const opt = sgd(model, { momentum: 0.9 });
    const phase = (steps: number, hooks = {}) =>
      trainPhase({
        model,
        data: blobs(),
        optimizer: opt,
        schedule: cosine(0.1, 0.01, steps),
        steps,
        batchSize: 16,
        dataSeed: 3,
        mask,
        hooks,
      });
    await phase(2, { afterStep: () => seen.push(calls.at(-1) === 'mask') });
    expect(calls).toEqual(['mask', undefined]);
    expect(seen).toEqual([true, true]);
    await expect(
      phase(2, {
        afterStep: () => {
          throw new Error('hook failed');
        },
      }),
    ).rejects.toThrow('hook failed');
    expect(calls).toEqual(['mask', undefined, 'mask', undefined]);
    // An unmasked phase leaves the model dense.
    await trainPhase({
      model,
      data: blobs(),
      optimizer: opt,
      schedule: cosine(0.1, 0.01, 1),
      steps: 1,
      batchSize: 16,
      dataSeed: 3,
    });
    expect(calls).toHaveLength(4);
    opt.dispose();
    model.dispose();
  });

  it('is deterministic, and a phase resumed at step k with the saved state is bit-identical', async () => {
    const data = blobs();
    const run = async (split?: number) => {
      const model = tinyMlp(2);
      const opt = sgd(model, { momentum: 0.9 });
      if (split === undefined) {
        await trainPhase({
          model,
          data,
          optimizer: opt,
          schedule: cosine(0.1, 0, 20),
          steps: 20,
          batchSize: 16,
          dataSeed: 9,
        });
      } else {
        // Run to `split`, save, continue in a fresh model + optimizer from the saved state.
        await trainPhase({
          model,
          data,
          optimizer: opt,
          schedule: cosine(0.1, 0, 20),
          steps: split,
          batchSize: 16,
          dataSeed: 9,
        });
        const snap = model.snapshot();
        const st = opt.state();
        const m2 = tinyMlp(99);
        m2.restore(snap);
        const o2 = sgd(m2, { momentum: 0.9 });
        o2.setState(st);
        await trainPhase({
          model: m2,
          data,
          optimizer: o2,
          schedule: cosine(0.1, 0, 20),
          steps: 20,
          batchSize: 16,
          dataSeed: 9,
          startStep: split,
        });
        const out = m2.snapshot();
        o2.dispose();
        m2.dispose();
        opt.dispose();
        model.dispose();
        return out;
      }
      const out = model.snapshot();
      opt.dispose();
      model.dispose();
      return out;
    };
    const a = await run();
    const b = await run();
    const c = await run(8); // resume mid-epoch (6 batches per epoch)
    for (const [k, v] of a.params) {
      expect(Array.from(b.params.get(k)!.data)).toEqual(Array.from(v.data));
      expect(Array.from(c.params.get(k)!.data)).toEqual(Array.from(v.data));
    }
  });

  it('stops on a NaN loss naming round, epoch and step', async () => {
    const model = tinyMlp(3);
    const opt = sgd(model, {});
    await expect(
      trainPhase({
        model,
        data: blobs(),
        optimizer: opt,
        schedule: constant(1e30),
        steps: 50,
        batchSize: 16,
        dataSeed: 1,
        round: 2,
      }),
    ).rejects.toThrow(/training loss became (NaN|Infinity) in round 2, epoch \d+, step \d+/);
    opt.dispose();
    model.dispose();
  });

  it('calls onEpochEnd once per epoch, marking a final partial epoch', async () => {
    const model = tinyMlp(4);
    const opt = sgd(model, {});
    const seen: [number, boolean][] = [];
    const events: string[] = [];
    await trainPhase({
      model,
      data: blobs(),
      optimizer: opt,
      schedule: constant(0.01),
      steps: 14,
      batchSize: 16,
      dataSeed: 1,
      onEvent: (e) => events.push(e.type),
      hooks: { onEpochEnd: (i) => void seen.push([i.epoch, i.complete]) },
    });
    expect(seen).toEqual([
      [0, true],
      [1, true],
      [2, false],
    ]);
    expect(events.filter((e) => e === 'epoch-end')).toHaveLength(3);
    expect(events.filter((e) => e === 'step').length).toBeGreaterThan(0);
    opt.dispose();
    model.dispose();
  });
});
