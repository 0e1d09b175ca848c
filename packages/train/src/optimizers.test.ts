import * as tf from '@tensorflow/tfjs-core';
import { VariableStore } from '@prunekit/tensor';
import { describe, expect, it } from 'vitest';
import { adam, sgd } from './optimizers.js';

function store(values: number[]) {
  const s = new VariableStore();
  s.addParam(
    { name: 'w', shape: [values.length], prunable: true, role: 'weight', layer: 'l', layerKind: 'dense' },
    tf.variable(tf.tensor1d(values)),
  );
  return s;
}
const arr = (t: tf.Tensor) => Array.from(t.dataSync()).map((v) => +v.toPrecision(6));

describe('sgd (PyTorch semantics)', () => {
  it('momentum 0.9 + weight decay 0.1, two steps by hand', () => {
    const s = store([1, -2]);
    const opt = sgd(s, { momentum: 0.9, weightDecay: 0.1 });
    const g = tf.tensor1d([0.5, 0.5]);
    // step 1: g' = g + 0.1 w = [0.6, 0.3]; buf = g'; w = w - 0.1 buf = [0.94, -2.03]
    opt.apply({ w: g }, 0.1);
    expect(arr(s.variable('w'))).toEqual([0.94, -2.03]);
    // step 2: g' = [0.5 + 0.094, 0.5 - 0.203] = [0.594, 0.297]; buf = 0.9*[0.6,0.3] + g' = [1.134, 0.567]
    // w = [0.94 - 0.1134, -2.03 - 0.0567] = [0.8266, -2.0867]
    opt.apply({ w: g }, 0.1);
    expect(arr(s.variable('w'))).toEqual([0.8266, -2.0867]);
    const st = opt.state();
    expect(st.step).toBe(2);
    expect(Array.from(st.slots.get('w/momentum')!.data).map((v) => +v.toPrecision(6))).toEqual([
      1.134, 0.567,
    ]);
    g.dispose();
    opt.dispose();
    s.dispose();
  });

  it('exports and restores its state; a restored optimizer continues identically', () => {
    const a = store([1, 2]);
    const b = store([1, 2]);
    const oa = sgd(a, { momentum: 0.9 });
    const ob = sgd(b, { momentum: 0.9 });
    const g = tf.tensor1d([1, -1]);
    oa.apply({ w: g }, 0.1);
    ob.setState(oa.state());
    b.restore(a.snapshot());
    oa.apply({ w: g }, 0.1);
    ob.apply({ w: g }, 0.1);
    expect(Array.from(a.variable('w').dataSync())).toEqual(Array.from(b.variable('w').dataSync()));
    expect(() => adam(b).setState(oa.state())).toThrow(
      /optimizer state is for 'sgd' but the optimizer is 'adam'/,
    );
    g.dispose();
    oa.dispose();
    ob.dispose();
    a.dispose();
    b.dispose();
  });

  it('leaves no tensors behind per step', () => {
    const s = store([1, 2, 3]);
    const opt = sgd(s, { momentum: 0.9, weightDecay: 1e-4 });
    const g = tf.tensor1d([1, 1, 1]);
    opt.apply({ w: g }, 0.1); // creates the slot
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.apply({ w: g }, 0.1);
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
    opt.dispose();
    s.dispose();
  });
});

describe('masked updates', () => {
  it('sgd with a mask: same kept weights as masking afterwards, pruned weights and momentum exactly 0', () => {
    const a = store([1, -2, 3]);
    const b = store([1, -2, 3]);
    const oa = sgd(a, { momentum: 0.9, weightDecay: 0.1 });
    const ob = sgd(b, { momentum: 0.9, weightDecay: 0.1 });
    const mask = new Map([['w', tf.tensor1d([1, 0, 1])]]);
    const g = tf.tensor1d([0.5, 0.5, -0.25]);
    for (let i = 0; i < 3; i++) {
      oa.apply({ w: g }, 0.1, mask);
      ob.apply({ w: g }, 0.1);
      tf.tidy(() => b.variable('w').assign(tf.mul(b.variable('w'), mask.get('w')!)));
    }
    // step 1 by hand, kept weights: g' = g + 0.1 w = [0.6, ·, -0.25 + 0.3 = 0.05]; w = [0.94, 0, 2.995]
    expect(Array.from(a.variable('w').dataSync())).toEqual(Array.from(b.variable('w').dataSync()));
    expect(Math.abs(a.variable('w').dataSync()[1]!)).toBe(0);
    const slot = oa.state().slots.get('w/momentum')!.data;
    expect(Math.abs(slot[1]!)).toBe(0);
    expect(ob.state().slots.get('w/momentum')!.data[1]).not.toBe(0); // unmasked: stale momentum
    expect(Array.from(slot).filter((_, i) => i !== 1)).toEqual(
      Array.from(ob.state().slots.get('w/momentum')!.data).filter((_, i) => i !== 1),
    );
    tf.dispose([g, ...mask.values()]);
    for (const x of [oa, ob, a, b]) x.dispose();
  });

  it('adam with a mask keeps both slots of pruned weights at 0 and leaks nothing', () => {
    const s = store([1, -2]);
    const opt = adam(s, {});
    const mask = new Map([['w', tf.tensor1d([0, 1])]]);
    const g = tf.tensor1d([0.3, -4]);
    opt.apply({ w: g }, 0.01, mask);
    const before = tf.memory().numTensors;
    opt.apply({ w: g }, 0.01, mask);
    expect(tf.memory().numTensors).toBe(before);
    const st = opt.state();
    expect([st.slots.get('w/m')!.data[0], st.slots.get('w/v')!.data[0]].map((v) => Math.abs(v ?? 1))).toEqual(
      [0, 0],
    );
    expect(st.slots.get('w/m')!.data[1]).not.toBe(0);
    expect(arr(s.variable('w'))).toEqual([0, -1.98]);
    tf.dispose([g, ...mask.values()]);
    opt.dispose();
    s.dispose();
  });
});

describe('adam', () => {
  it('first step moves each weight by lr·sign(g) (bias-corrected)', () => {
    const s = store([1, -2]);
    const opt = adam(s, {});
    const g = tf.tensor1d([0.3, -4]);
    opt.apply({ w: g }, 0.01);
    // m̂ = g, v̂ = g², step = lr · g/(|g| + eps) ≈ lr · sign(g)
    expect(arr(s.variable('w'))).toEqual([0.99, -1.99]);
    g.dispose();
    opt.dispose();
    s.dispose();
  });
});
