import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createModel } from './model-factory.js';
import { createModelRegistry } from './registry.js';
import { SMALL, fixedBatch, sgdSteps } from './test-support.js';

const registry = createModelRegistry();

// Plain SGD step sizes for the small configurations. Tiny BN ResNets are very sharp at init
// (e.g. ResNet-50 at width 4 on 8×8 inputs: 53 batch norms over 8 samples, |∇| ≈ 1.5e3, the loss
// is linear in the step only up to ~1e-7·∇), so they take small steps; the gradients themselves
// agree with autodiff of the textbook batch norm (see network.test.ts).
const cases: [label: string, name: string, options: Record<string, unknown>, lr: number][] = [
  ['single-neuron', 'single-neuron', SMALL['single-neuron']!, 0.1],
  ['mlp', 'mlp', SMALL.mlp!, 0.01],
  ['lenet-300-100', 'lenet-300-100', SMALL['lenet-300-100']!, 0.01],
  ['conv2', 'conv2', SMALL.conv2!, 0.005],
  ['conv4', 'conv4', SMALL.conv4!, 0.005],
  ['conv6', 'conv6', SMALL.conv6!, 0.005],
  ['vgg11', 'vgg11', SMALL.vgg11!, 0.005],
  ['vgg16', 'vgg16', SMALL.vgg16!, 0.005],
  ['resnet18', 'resnet18', SMALL.resnet18!, 0.005],
  [
    'resnet18 (imagenet stem)',
    'resnet18',
    { stem: 'imagenet', inputShape: [16, 16, 3], classes: 3, width: 4 },
    3e-5,
  ],
  ['resnet50', 'resnet50', SMALL.resnet50!, 1e-6],
];

describe('every built-in model trains on wasm', () => {
  for (const [label, name, options, lr] of cases) {
    it(`${label}: 5 SGD steps on a fixed batch lower the loss and leave the tensor count unchanged`, () => {
      expect(tf.getBackend()).toBe('wasm');
      const model = createModel(registry.get(name), options, 1);
      const batch = fixedBatch(model, 8, 2);
      const { losses, counts } = sgdSteps(model, batch, 5, lr);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses.at(-1)!).toBeLessThan(losses[0]!);
      expect(new Set(counts).size).toBe(1);
      tf.dispose([batch.x, batch.y]);
      model.dispose();
    });
  }
});
