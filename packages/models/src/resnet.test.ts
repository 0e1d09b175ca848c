import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createModel } from './model-factory.js';
import { resnet18 } from './resnet18.js';
import { resnet50 } from './resnet50.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe('resnet18 / resnet50', () => {
  it("ResNet-18 on CIFAR-10 has PyTorch's 11,173,962 parameters, 11,164,352 prunable", () => {
    const model = createModel(resnet18, { classes: 10 });
    expect(model.params.reduce((s, p) => s + size(p.shape), 0)).toBe(11_173_962);
    expect(model.params.filter((p) => p.prunable).reduce((s, p) => s + size(p.shape), 0)).toBe(11_164_352);
    // 20 convs + fc are prunable; every BN (γ, β) and the fc bias are not
    expect(model.params.filter((p) => p.prunable).length).toBe(21);
    for (const p of model.params) {
      expect(p.prunable).toBe((p.layerKind === 'conv' || p.layerKind === 'dense') && p.role === 'weight');
    }
    model.dispose();
  });

  it("ResNet-50 on CIFAR-100 has PyTorch's 23,705,252 parameters, 23,652,032 prunable", () => {
    const model = createModel(resnet50, {});
    expect(model.params.reduce((s, p) => s + size(p.shape), 0)).toBe(23_705_252);
    expect(model.params.filter((p) => p.prunable).reduce((s, p) => s + size(p.shape), 0)).toBe(23_652_032);
    expect(model.params.filter((p) => p.prunable).length).toBe(54); // 53 convs (incl. 4 projections) + fc
    model.dispose();
  });

  it('uses torchvision-style names', () => {
    const model = createModel(resnet18, { width: 4 });
    const names = model.params.map((p) => p.name);
    expect(names.slice(0, 9)).toEqual([
      'conv1.weight',
      'bn1.gamma',
      'bn1.beta',
      'layer1.0.conv1.weight',
      'layer1.0.bn1.gamma',
      'layer1.0.bn1.beta',
      'layer1.0.conv2.weight',
      'layer1.0.bn2.gamma',
      'layer1.0.bn2.beta',
    ]);
    expect(names).toContain('layer2.0.downsample.0.weight');
    expect(names).toContain('layer2.0.downsample.1.gamma');
    expect(names).not.toContain('layer1.0.downsample.0.weight');
    expect(names.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    expect(model.params.find((p) => p.name === 'layer4.1.conv2.weight')!.shape).toEqual([3, 3, 32, 32]);
    expect(model.state.slice(0, 2).map((s) => s.name)).toEqual(['bn1.running_mean', 'bn1.running_var']);
    expect(model.params.find((p) => p.name === 'conv1.weight')!.shape).toEqual([3, 3, 3, 4]);
    model.dispose();
  });

  it('ImageNet stem: 7×7 stride-2 conv and max-pool (64×64 → 16×16 before layer1)', () => {
    const model = createModel(resnet50, {
      stem: 'imagenet',
      inputShape: [64, 64, 3],
      classes: 200,
      width: 2,
    });
    expect(model.params.find((p) => p.name === 'conv1.weight')!.shape).toEqual([7, 7, 3, 2]);
    expect(model.params.find((p) => p.name === 'fc.weight')!.shape).toEqual([2 * 8 * 4, 200]);
    const x = tf.ones([2, 64, 64, 3]);
    const y = model.forward(x, false);
    expect(y.shape).toEqual([2, 200]);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('batch norm: train and eval outputs differ, running stats move only in training', () => {
    const model = createModel(resnet18, { inputShape: [8, 8, 3], classes: 3, width: 4 }, 5);
    const x = tf.tensor4d(
      Float32Array.from({ length: 4 * 8 * 8 * 3 }, (_, i) => Math.sin(i) * 2 + 1),
      [4, 8, 8, 3],
    );
    const s0 = model.snapshot().state;
    const evalOut = model.forward(x, false);
    expect(model.snapshot().state).toEqual(s0);
    const trainOut = model.forward(x, true);
    const s1 = model.snapshot().state;
    const maxDiff = Math.max(...tf.tidy(() => tf.abs(tf.sub(evalOut, trainOut))).dataSync());
    expect(maxDiff).toBeGreaterThan(1e-3);
    for (const { name } of model.state) expect(s1.get(name)!.data).not.toEqual(s0.get(name)!.data);
    // First BN sees the stem conv output: running_mean = 0.1 · batch mean
    const stem = tf.tidy(() =>
      tf.mean(tf.conv2d(x, model.variable('conv1.weight') as tf.Tensor4D, 1, 1), [0, 1, 2]),
    );
    const want = stem.dataSync();
    s1.get('bn1.running_mean')!.data.forEach((v, i) => {
      expect(v).toBeCloseTo(0.1 * want[i]!, 5);
    });
    // Rewinding the state restores the eval output exactly
    model.restore({ state: s0 });
    const again = model.forward(x, false);
    expect([...again.dataSync()]).toEqual([...evalOut.dataSync()]);
    tf.dispose([x, evalOut, trainOut, stem, again]);
    model.dispose();
  });
});
