import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { conv2 } from './conv2.js';
import { conv4 } from './conv4.js';
import { conv6 } from './conv6.js';
import { createModel } from './model-factory.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe('conv2 / conv4 / conv6', () => {
  // Counts at CIFAR-10 (32×32×3, 10 classes, width 64), by hand:
  // conv 3×3: 3→64: 1,728 (+64 bias); 64→64: 36,864 (+64); 64→128: 73,728 (+128);
  //           128→128: 147,456 (+128); 128→256: 294,912 (+256); 256→256: 589,824 (+256)
  // dense: flatten→256: (h·w·c)·256 (+256); 256→256: 65,536 (+256); 256→10: 2,560 (+10)
  // Conv-2: flatten 16·16·64 = 16,384 → 4,194,304.
  //   weights 1,728 + 36,864 + 4,194,304 + 65,536 + 2,560 = 4,300,992; biases 64+64+256+256+10 = 650 → 4,301,642
  // Conv-4: flatten 8·8·128 = 8,192 → 2,097,152.
  //   weights 1,728 + 36,864 + 73,728 + 147,456 + 2,097,152 + 65,536 + 2,560 = 2,425,024; biases 906 → 2,425,930
  // Conv-6: flatten 4·4·256 = 4,096 → 1,048,576.
  //   weights 1,728 + 36,864 + 73,728 + 147,456 + 294,912 + 589,824 + 1,048,576 + 65,536 + 2,560 = 2,261,184;
  //   biases 64+64+128+128+256+256+256+256+10 = 1,418 → 2,262,602
  const cases = [
    [conv2, 4_301_642, 4_300_992, 2],
    [conv4, 2_425_930, 2_425_024, 4],
    [conv6, 2_262_602, 2_261_184, 6],
  ] as const;

  for (const [factory, total, prunable, convs] of cases) {
    it(`${factory.name}: ${total} parameters (${prunable} prunable) on CIFAR-10; names and flags`, () => {
      const model = createModel(factory, {});
      expect(model.params.reduce((s, p) => s + size(p.shape), 0)).toBe(total);
      expect(model.params.filter((p) => p.prunable).reduce((s, p) => s + size(p.shape), 0)).toBe(prunable);
      const names = [...Array.from({ length: convs }, (_, i) => `conv${i + 1}`), 'fc1', 'fc2', 'fc3'];
      expect(model.params.map((p) => p.name)).toEqual(names.flatMap((n) => [`${n}.weight`, `${n}.bias`]));
      for (const p of model.params) expect(p.prunable).toBe(p.name.endsWith('.weight'));
      expect(model.state).toEqual([]);
      model.dispose();
    });
  }

  it('work on 28×28×1 (Fashion-MNIST) and 32×32×3 (CIFAR) inputs', () => {
    for (const factory of [conv2, conv4, conv6]) {
      for (const inputShape of [
        [28, 28, 1],
        [32, 32, 3],
      ] as const) {
        const model = createModel(factory, { inputShape, classes: 10, width: 8 });
        const x = tf.ones([2, ...inputShape]);
        const y = model.forward(x, false);
        expect(y.shape).toEqual([2, 10]);
        // 28 → 14 → 7 → 4 (pools round up): the first dense layer sees ceil-halved maps
        const fc1 = model.params.find((p) => p.name === 'fc1.weight')!;
        const pairs = model.params.filter((p) => p.layerKind === 'conv' && p.role === 'weight').length / 2;
        let h: number = inputShape[0];
        for (let i = 0; i < pairs; i++) h = Math.ceil(h / 2);
        expect(fc1.shape).toEqual([h * h * 8 * 2 ** (pairs - 1), 256]);
        tf.dispose([x, y]);
        model.dispose();
      }
    }
  });
});
