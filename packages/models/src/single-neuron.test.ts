import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createModel } from './model-factory.js';
import { singleNeuron } from './single-neuron.js';

describe('single-neuron', () => {
  it('computes a·ReLU(wᵀx) on literal numbers', () => {
    const model = createModel(singleNeuron, { d: 3, a0: 2, w0: [1, -1, 0.5] });
    const x = tf.tensor2d([
      [1, 2, 3], //  wᵀx = 1 − 2 + 1.5 = 0.5 → 2·0.5 = 1
      [3, 1, 0], //  wᵀx = 3 − 1 + 0 = 2 → 2·2 = 4
      [0, 1, 0], //  wᵀx = −1 → ReLU 0 → 0
    ]);
    const y = model.forward(x, false);
    expect(y.shape).toEqual([3, 1]);
    expect([...y.dataSync()]).toEqual([1, 4, 0]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('has w [d, 1] (prunable) and a [1] (not prunable); regression with one output', () => {
    const model = createModel(singleNeuron, { d: 5 });
    expect(model.params.map((p) => [p.name, p.shape, p.prunable])).toEqual([
      ['w', [5, 1], true],
      ['a', [1], false],
    ]);
    expect(model.state).toEqual([]);
    expect([model.task, model.outputSize, model.inputShape]).toEqual(['regression', 1, [5]]);
    model.dispose();
  });

  it('balanced init: |a| = ‖w‖ with both signs over seeds', () => {
    const signs = new Set<number>();
    for (let seed = 0; seed < 12; seed++) {
      const model = createModel(singleNeuron, { d: 6, init: 'balanced' }, seed);
      const snap = model.snapshot().params;
      const w = snap.get('w')!.data;
      const a = snap.get('a')!.data[0]!;
      const norm = Math.sqrt(w.reduce((s, v) => s + v * v, 0));
      expect(Math.abs(Math.abs(a) - norm)).toBeLessThan(1e-6 * norm);
      signs.add(Math.sign(a));
      model.dispose();
    }
    expect([...signs].sort()).toEqual([-1, 1]);
  });

  it('balanced init survives reinitialize: reinitialize(seed) equals a fresh balanced instance', () => {
    const a = createModel(singleNeuron, { d: 3, init: 'balanced' }, 5);
    const b = createModel(singleNeuron, { d: 3, init: 'balanced' }, 6);
    b.reinitialize(5);
    expect(b.snapshot()).toEqual(a.snapshot());
    a.dispose();
    b.dispose();
  });

  it('balanced init with explicit w0 derives |a| from it', () => {
    const model = createModel(singleNeuron, { d: 2, init: 'balanced', w0: [3, -4] }, 1);
    const a = model.snapshot().params.get('a')!.data[0]!;
    expect(Math.abs(a)).toBe(5);
    model.dispose();
  });

  it('standard init: w_i ~ N(0, 1/d) (std over a large d), a drawn independently', () => {
    const d = 20000;
    const model = createModel(singleNeuron, { d }, 3);
    const w = model.snapshot().params.get('w')!.data;
    const sd = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / d);
    expect(Math.abs(sd * Math.sqrt(d) - 1)).toBeLessThan(0.02);
    model.dispose();
  });

  it('same seed → bit-identical init; another seed → different; reinitialize(seed) = fresh instance', () => {
    const [m1, m2, m3] = [1, 1, 2].map((s) => createModel(singleNeuron, { d: 4 }, s));
    expect(m1!.snapshot()).toEqual(m2!.snapshot());
    expect(m1!.snapshot().params.get('w')!.data).not.toEqual(m3!.snapshot().params.get('w')!.data);
    m3!.reinitialize(1);
    expect(m3!.snapshot()).toEqual(m1!.snapshot());
    for (const m of [m1, m2, m3]) m!.dispose();
  });

  it('validates options, naming the field', () => {
    expect(() => createModel(singleNeuron, { d: 3, w0: [1, 2] })).toThrow(
      /model.options.w0: w0 must have exactly d values/,
    );
    expect(() => createModel(singleNeuron, { d: 0 })).toThrow(/model.options.d/);
    expect(() => createModel(singleNeuron, { init: 'xavier' })).toThrow(/model.options.init/);
  });
});
