import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createModel } from './model-factory.js';
import { vgg11 } from './vgg11.js';
import { vgg16 } from './vgg16.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe('vgg11 / vgg16 (CIFAR, BN, no conv bias)', () => {
  // By hand, CIFAR-10 at width 64 (3×3 conv weights in·out·9; BN γ+β = 2 per channel; fc 512·10 + 10):
  // VGG-11 convs 3→64, 64→128, 128→256, 256→256, 256→512, 512→512 ×3:
  //   1,728 + 73,728 + 294,912 + 589,824 + 1,179,648 + 3·2,359,296 = 9,217,728; + fc 5,120 → 9,222,848 prunable;
  //   BN channels 64+128+256+256+512·4 = 2,752 → 5,504; + fc bias 10 → 9,228,362 in all
  //   (PyTorch's CIFAR VGG-11 *with* conv biases has 9,231,114 = 9,228,362 + 2,752).
  // VGG-16 convs 3→64, 64→64, 64→128, 128→128, 128→256, 256→256 ×2, 256→512, 512→512 ×5:
  //   1,728 + 36,864 + 73,728 + 147,456 + 294,912 + 2·589,824 + 1,179,648 + 5·2,359,296 = 14,710,464;
  //   + fc 5,120 → 14,715,584 prunable; BN channels 4,224 → 8,448; + 10 → 14,724,042 in all
  //   (with conv biases: 14,728,266 = 14,724,042 + 4,224).
  const cases = [
    [vgg11, 9_228_362, 9_222_848, 8],
    [vgg16, 14_724_042, 14_715_584, 13],
  ] as const;

  for (const [factory, total, prunable, convs] of cases) {
    it(`${factory.name}: ${total} parameters, ${prunable} prunable; names and flags`, () => {
      const model = createModel(factory, {});
      expect(model.params.reduce((s, p) => s + size(p.shape), 0)).toBe(total);
      expect(model.params.filter((p) => p.prunable).reduce((s, p) => s + size(p.shape), 0)).toBe(prunable);
      const expected = [
        ...Array.from({ length: convs }, (_, i) => [
          `conv${i + 1}.weight`,
          `bn${i + 1}.gamma`,
          `bn${i + 1}.beta`,
        ]).flat(),
        'fc.weight',
        'fc.bias',
      ];
      expect(model.params.map((p) => p.name)).toEqual(expected);
      for (const p of model.params) expect(p.prunable).toBe(p.name.endsWith('.weight'));
      expect(model.state.map((s) => s.name)).toEqual(
        Array.from({ length: convs }, (_, i) => [`bn${i + 1}.running_mean`, `bn${i + 1}.running_var`]).flat(),
      );
      model.dispose();
    });
  }

  it('a small VGG-16 runs on 28×28×1 and 32×32×3 inputs', () => {
    for (const inputShape of [
      [28, 28, 1],
      [32, 32, 3],
    ] as const) {
      const model = createModel(vgg16, { inputShape, classes: 7, width: 4 });
      const x = tf.ones([2, ...inputShape]);
      const y = model.forward(x, false);
      expect(y.shape).toEqual([2, 7]);
      tf.dispose([x, y]);
      model.dispose();
    }
  });
});
