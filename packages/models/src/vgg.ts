import * as tf from '@tensorflow/tfjs-core';
import { z } from '@prunekit/core';
import { type Layer, batchNorm, conv2d, dense, globalAvgPool, maxPool } from './layers.js';
import { Network } from './network.js';
import { classesSchema, imageShapeSchema, widthSchema } from './options.js';

/** The options schema shared by `vgg11` and `vgg16`. */
export const vggSchema = z
  .object({ inputShape: imageShapeSchema, classes: classesSchema, width: widthSchema })
  .strict();

/** Options of `vgg11`, `vgg16`. */
export type VggOptions = z.infer<typeof vggSchema>;

/** Defaults of `vgg11`, `vgg16`: CIFAR-10. */
export const vggDefaults: VggOptions = { inputShape: [32, 32, 3], classes: 10, width: 64 };

/** A VGG plan: conv widths as multiples of `width / 64`, `'M'` for a 2×2 max-pool. */
export type VggPlan = readonly (number | 'M')[];

/** VGG-11 (configuration A). */
export const VGG11_PLAN: VggPlan = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'];

/** VGG-16 (configuration D). */
export const VGG16_PLAN: VggPlan = [
  64,
  64,
  'M',
  128,
  128,
  'M',
  256,
  256,
  256,
  'M',
  512,
  512,
  512,
  'M',
  512,
  512,
  512,
  'M',
];

/**
 * Build a CIFAR VGG: each conv is 3×3 (padding 1, no bias) → batch norm → ReLU; `'M'` is a 2×2
 * max-pool (odd sizes round up); then global average pooling (the identity on the 1×1 map a
 * 32×32 input leaves) and one linear classifier `fc` with bias. Names `conv{i}`, `bn{i}`, `fc`.
 */
export function buildVgg(name: string, plan: VggPlan, o: VggOptions, seed: number): Network {
  const scale = o.width / 64;
  return new Network(
    { name, inputShape: o.inputShape, outputSize: o.classes, task: 'classification' },
    seed,
    (net) => {
      const steps: ({ conv: Layer; bn: Layer } | 'M')[] = [];
      let c = o.inputShape[2];
      let i = 0;
      for (const p of plan) {
        if (p === 'M') {
          steps.push('M');
          continue;
        }
        i++;
        const out = Math.max(1, Math.round(p * scale));
        steps.push({
          conv: conv2d(net, `conv${i}`, c, out, { kernel: 3 }),
          bn: batchNorm(net, `bn${i}`, out),
        });
        c = out;
      }
      const fc = dense(net, 'fc', c, o.classes);
      return (x: tf.Tensor, training: boolean) => {
        let y = x;
        for (const s of steps) y = s === 'M' ? maxPool(y, 2, 2, 'same') : tf.relu(s.bn(s.conv(y), training));
        return fc(globalAvgPool(y));
      };
    },
  );
}
