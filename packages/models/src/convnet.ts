import type * as tf from '@tensorflow/tfjs-core';
import { z } from '@prunekit/core';
import { type Layer, conv2d, dense, flatten, maxPool } from './layers.js';
import { Network } from './network.js';
import { classesSchema, imageShapeSchema, widthSchema } from './options.js';

/** The options schema shared by `conv2`, `conv4` and `conv6`. */
export const convNetSchema = z
  .object({ inputShape: imageShapeSchema, classes: classesSchema, width: widthSchema })
  .strict();

/** Options of `conv2`, `conv4`, `conv6`. */
export type ConvNetOptions = z.infer<typeof convNetSchema>;

/** Defaults of `conv2`, `conv4`, `conv6`: CIFAR-10. */
export const convNetDefaults: ConvNetOptions = { inputShape: [32, 32, 3], classes: 10, width: 64 };

/**
 * Build Frankle & Carbin's Conv-2/4/6: `pairs` blocks of two 3×3 convs (size-preserving
 * padding, with bias, ReLU) and a 2×2 max-pool, with `width·2^i` channels in block `i`
 * (64, 128, 256), then dense 256 → 256 → classes (ReLU between). Names `conv1 … conv{2·pairs}`,
 * `fc1 … fc3`. Pools round odd sizes up ('same'), so 28×28 input works (28 → 14 → 7 → 4).
 */
export function buildConvNet(name: string, pairs: number, o: ConvNetOptions, seed: number): Network {
  const [h0, w0, c0] = o.inputShape;
  return new Network(
    { name, inputShape: o.inputShape, outputSize: o.classes, task: 'classification' },
    seed,
    (net) => {
      const convs: Layer[][] = [];
      let c = c0;
      let h = h0;
      let w = w0;
      for (let i = 0; i < pairs; i++) {
        const out = o.width * 2 ** i;
        convs.push([
          conv2d(net, `conv${2 * i + 1}`, c, out, { kernel: 3, bias: true, relu: true }),
          conv2d(net, `conv${2 * i + 2}`, out, out, { kernel: 3, bias: true, relu: true }),
        ]);
        c = out;
        h = Math.ceil(h / 2);
        w = Math.ceil(w / 2);
      }
      const fc1 = dense(net, 'fc1', h * w * c, 256, { relu: true });
      const fc2 = dense(net, 'fc2', 256, 256, { relu: true });
      const fc3 = dense(net, 'fc3', 256, o.classes);
      return (x: tf.Tensor) => {
        let y = x;
        for (const [a, b] of convs) y = maxPool(b!(a!(y)), 2, 2, 'same');
        return fc3(fc2(fc1(flatten(y))));
      };
    },
  );
}
