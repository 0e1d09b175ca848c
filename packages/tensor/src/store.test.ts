import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { VariableStore, fromHost, toHost } from './store.js';
import { tensorGrowth } from './leaks.js';

function makeStore() {
  const s = new VariableStore();
  s.addParam(
    { name: 'fc.weight', shape: [2, 2], prunable: true, role: 'weight', layer: 'fc', layerKind: 'dense' },
    tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
    ),
  );
  s.addParam(
    { name: 'fc.bias', shape: [2], prunable: false, role: 'bias', layer: 'fc', layerKind: 'dense' },
    tf.variable(tf.tensor1d([0.5, -0.5])),
  );
  s.addState({ name: 'bn.running_mean', shape: [2], layer: 'bn' }, tf.variable(tf.zeros([2]), false));
  return s;
}

describe('VariableStore', () => {
  it('snapshots and restores exactly, without leaking tensors', async () => {
    const s = makeStore();
    const snap = s.snapshot();
    expect([...snap.params.get('fc.weight')!.data]).toEqual([1, 2, 3, 4]);
    expect([...snap.state.keys()]).toEqual(['bn.running_mean']);
    s.variable('fc.weight').assign(tf.zeros([2, 2]));
    const growth = await tensorGrowth(() => s.restore(snap));
    expect(growth).toBe(0);
    expect([...s.variable('fc.weight').dataSync()]).toEqual([1, 2, 3, 4]);
    s.dispose();
  });

  it('refuses a snapshot for another model and changes nothing', () => {
    const s = makeStore();
    const wrong = new Map([['fc.weight', { shape: [4], data: new Float32Array(4) }]]);
    expect(() => s.restore({ params: wrong }, { partial: true })).toThrow(
      /'fc.weight' is \[4\] in the snapshot but \[2,2\]/,
    );
    expect(() =>
      s.restore({ params: new Map([['other', { shape: [1], data: new Float32Array(1) }]]) }),
    ).toThrow(/does not have/);
    expect(() => s.restore({ params: new Map() })).toThrow(/lacks parameter fc.weight, fc.bias/);
    expect([...s.variable('fc.weight').dataSync()]).toEqual([1, 2, 3, 4]);
    s.dispose();
  });

  it('unknown names list the known ones', () => {
    const s = makeStore();
    expect(() => s.variable('fc.wieght')).toThrow(/unknown parameter 'fc.wieght'; known: fc.weight, fc.bias/);
    s.dispose();
  });

  it('converts between host and device tensors', () => {
    const t = tf.tensor2d([[1, -2]]);
    const h = toHost(t);
    expect(h.shape).toEqual([1, 2]);
    const back = fromHost(h);
    expect([...back.dataSync()]).toEqual([1, -2]);
    tf.dispose([t, back]);
  });
});
