import * as tf from '@tensorflow/tfjs-core';
import { type ModelSnapshot, resolveOptions } from '@prunekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { describeModel } from './describe-model.js';
import { createModel } from './model-factory.js';
import { builtinModels, createModelRegistry } from './registry.js';
import { SMALL, fixedBatch } from './test-support.js';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Names (in order), shapes and bytes of two snapshots agree (faster than toEqual on big typed arrays). */
function expectSameSnapshot(x: ModelSnapshot, y: ModelSnapshot) {
  for (const part of ['params', 'state'] as const) {
    expect([...x[part].keys()]).toEqual([...y[part].keys()]);
    for (const [n, t] of x[part]) {
      const u = y[part].get(n)!;
      expect(u.shape).toEqual(t.shape);
      expect(bits(u.data).equals(bits(t.data))).toBe(true);
    }
  }
}

describe('model registry', () => {
  it('lists the built-ins; unknown names list the known ones', () => {
    const registry = createModelRegistry();
    expect(registry.names()).toEqual([
      'conv2',
      'conv4',
      'conv6',
      'lenet-300-100',
      'mlp',
      'resnet18',
      'resnet50',
      'single-neuron',
      'vgg11',
      'vgg16',
    ]);
    expect(() => registry.get('resnet19')).toThrow(
      /unknown model 'resnet19' \(did you mean 'resnet18'\?\); known: conv2/,
    );
    expect(createModelRegistry()).not.toBe(registry);
  });

  it('every built-in has a description, valid defaults and a small test configuration', () => {
    for (const f of builtinModels) {
      expect(f.description.length).toBeGreaterThan(10);
      expect(resolveOptions(f, {})).toEqual(f.defaults);
      expect(Object.keys(SMALL)).toContain(f.name);
    }
  });

  it('describeModel gives each option with its type, default and description', () => {
    const d = describeModel('resnet18');
    expect(d.name).toBe('resnet18');
    expect(d.options.map((o) => o.name)).toEqual(['inputShape', 'classes', 'width', 'stem']);
    expect(d.options.find((o) => o.name === 'stem')).toMatchObject({
      type: "'cifar' | 'imagenet'",
      default: 'cifar',
      required: false,
    });
    expect(d.options.find((o) => o.name === 'classes')).toMatchObject({ type: 'integer ≥ 1', default: 10 });
    expect(d.options.find((o) => o.name === 'inputShape')!.type).toBe(
      '[integer > 0, integer > 0, integer > 0]',
    );
    const s = describeModel('single-neuron');
    expect(s.options.find((o) => o.name === 'w0')).toMatchObject({ type: 'number[]', required: false });
    expect(s.options.find((o) => o.name === 'w0')).not.toHaveProperty('default');
    expect(describeModel('mlp').options.find((o) => o.name === 'hidden')).toMatchObject({
      type: '(integer > 0)[]',
      default: [300, 100],
    });
    expect(() => describeModel('nope')).toThrow(/unknown model 'nope'/);
  });
});

describe('every built-in model (small configuration)', () => {
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  for (const factory of builtinModels) {
    const options = SMALL[factory.name]!;
    it(`${factory.name}: stable unique names, exact prunable flags, seeded init, snapshot/restore, reinitialize`, () => {
      const a = createModel(factory, options, 1);
      const b = createModel(factory, options, 1);
      const c = createModel(factory, options, 2);
      const names = a.params.map((p) => p.name);
      expect(new Set([...names, ...a.state.map((s) => s.name)]).size).toBe(names.length + a.state.length);
      expect(b.params.map((p) => p.name)).toEqual(names);
      expect(c.params.map((p) => p.name)).toEqual(names);
      expect(c.state.map((s) => s.name)).toEqual(a.state.map((s) => s.name));

      // Prunable: exactly the conv and linear weights (first and last layer included); never biases or BN.
      for (const p of a.params) {
        const expected =
          factory.name === 'single-neuron'
            ? p.name === 'w'
            : p.role === 'weight' && p.name.endsWith('.weight');
        expect([p.name, p.prunable]).toEqual([p.name, expected]);
        if (p.role !== 'weight') expect(p.prunable).toBe(false);
        if (p.layerKind === 'bn') expect(p.role === 'bn-gamma' || p.role === 'bn-beta').toBe(true);
      }
      expect(a.params.filter((p) => p.prunable).length).toBeGreaterThan(0);

      // Same seed: bit-identical; another seed: every prunable tensor differs.
      const [sa, sb, sc] = [a.snapshot(), b.snapshot(), c.snapshot()];
      for (const n of names)
        expect(bits(sb.params.get(n)!.data).equals(bits(sa.params.get(n)!.data))).toBe(true);
      for (const p of a.params.filter((q) => q.prunable)) {
        expect(bits(sc.params.get(p.name)!.data).equals(bits(sa.params.get(p.name)!.data))).toBe(false);
      }

      // Forward: one caller-owned tensor, [batch, outputSize], in both modes.
      const batch = fixedBatch(a, 4, 9);
      for (const training of [false, true]) {
        const before = tf.memory().numTensors;
        const y = a.forward(batch.x, training);
        expect(y.shape).toEqual([4, a.outputSize]);
        expect(tf.memory().numTensors).toBe(before + 1);
        y.dispose();
      }

      // Snapshot/restore: c takes a's exact values (params and BN state), under the same names.
      const trained = a.snapshot();
      c.restore(trained);
      expectSameSnapshot(c.snapshot(), trained);

      // reinitialize(1) = a fresh instance with seed 1, BN running stats included.
      a.reinitialize(1);
      expectSameSnapshot(a.snapshot(), sa);

      tf.dispose([batch.x, batch.y]);
      for (const m of [a, b, c]) m.dispose();
    });
  }

  it('init is bit-identical on the wasm and cpu backends', async () => {
    const wasm = createModel(createModelRegistry().get('resnet18'), SMALL.resnet18, 3);
    const onWasm = wasm.snapshot();
    wasm.dispose();
    await tf.setBackend('cpu');
    const cpu = createModel(createModelRegistry().get('resnet18'), SMALL.resnet18, 3);
    const onCpu = cpu.snapshot();
    cpu.dispose();
    await tf.setBackend('wasm');
    for (const [n, t] of onWasm.params)
      expect(bits(onCpu.params.get(n)!.data).equals(bits(t.data))).toBe(true);
  });
});
