import * as tf from '@tensorflow/tfjs-core';
import { z } from '@prunekit/core';
import { batchNorm, conv2d, dense, globalAvgPool, maxPool } from './layers.js';
import { Network } from './network.js';
import { classesSchema, imageShapeSchema, widthSchema } from './options.js';

/** The options schema shared by `resnet18` and `resnet50`. */
export const resnetSchema = z
  .object({
    inputShape: imageShapeSchema,
    classes: classesSchema,
    width: widthSchema,
    stem: z
      .enum(['cifar', 'imagenet'])
      .describe(
        'cifar: 3×3 stride-1 conv, no max-pool; imagenet: 7×7 stride-2 conv + 3×3 stride-2 max-pool (Tiny ImageNet)',
      ),
  })
  .strict();

/** Options of `resnet18`, `resnet50`. */
export type ResNetOptions = z.infer<typeof resnetSchema>;

/** Which residual block a ResNet uses. */
export type ResNetBlock = 'basic' | 'bottleneck';

type Block = (x: tf.Tensor, training: boolean) => tf.Tensor;

/**
 * Build a ResNet with torchvision's layout and names: stem `conv1`/`bn1`, stages
 * `layer1 … layer4` of `blocks[i]` residual blocks with `width·2^i` planes (stride 2 at the start
 * of stages 2–4, on the 3×3 conv of a bottleneck as in torchvision v1.5), 1×1 projection
 * shortcuts `downsample.0` (conv) / `downsample.1` (BN) where the shape changes, global average
 * pooling and a linear classifier `fc` with bias. Convs have no bias; BN starts at γ = 1, β = 0.
 */
export function buildResNet(
  name: string,
  block: ResNetBlock,
  blocks: readonly number[],
  o: ResNetOptions,
  seed: number,
): Network {
  const expansion = block === 'basic' ? 1 : 4;
  return new Network(
    { name, inputShape: o.inputShape, outputSize: o.classes, task: 'classification' },
    seed,
    (net) => {
      const imagenet = o.stem === 'imagenet';
      const conv1 = imagenet
        ? conv2d(net, 'conv1', o.inputShape[2], o.width, { kernel: 7, stride: 2, pad: 3 })
        : conv2d(net, 'conv1', o.inputShape[2], o.width, { kernel: 3, stride: 1, pad: 1 });
      const bn1 = batchNorm(net, 'bn1', o.width);
      const body: Block[] = [];
      let inPlanes = o.width;
      blocks.forEach((count, stage) => {
        const planes = o.width * 2 ** stage;
        for (let b = 0; b < count; b++) {
          const stride = b === 0 && stage > 0 ? 2 : 1;
          const prefix = `layer${stage + 1}.${b}`;
          body.push(
            block === 'basic'
              ? basicBlock(net, prefix, inPlanes, planes, stride)
              : bottleneckBlock(net, prefix, inPlanes, planes, stride),
          );
          inPlanes = planes * expansion;
        }
      });
      const fc = dense(net, 'fc', inPlanes, o.classes);
      return (x, training) => {
        let y = tf.relu(bn1(conv1(x), training));
        if (imagenet) y = maxPool(y, 3, 2, 1);
        for (const blk of body) y = blk(y, training);
        return fc(globalAvgPool(y));
      };
    },
  );
}

function shortcut(net: Network, prefix: string, inPlanes: number, outPlanes: number, stride: number): Block {
  if (stride === 1 && inPlanes === outPlanes) return (x) => x;
  const conv = conv2d(net, `${prefix}.downsample.0`, inPlanes, outPlanes, { kernel: 1, stride, pad: 0 });
  const bn = batchNorm(net, `${prefix}.downsample.1`, outPlanes);
  return (x, training) => bn(conv(x), training);
}

function basicBlock(net: Network, prefix: string, inPlanes: number, planes: number, stride: number): Block {
  const conv1 = conv2d(net, `${prefix}.conv1`, inPlanes, planes, { kernel: 3, stride, pad: 1 });
  const bn1 = batchNorm(net, `${prefix}.bn1`, planes);
  const conv2 = conv2d(net, `${prefix}.conv2`, planes, planes, { kernel: 3, stride: 1, pad: 1 });
  const bn2 = batchNorm(net, `${prefix}.bn2`, planes);
  const short = shortcut(net, prefix, inPlanes, planes, stride);
  return (x, training) => {
    const y = bn2(conv2(tf.relu(bn1(conv1(x), training))), training);
    return tf.relu(tf.add(y, short(x, training)));
  };
}

function bottleneckBlock(
  net: Network,
  prefix: string,
  inPlanes: number,
  planes: number,
  stride: number,
): Block {
  const out = planes * 4;
  const conv1 = conv2d(net, `${prefix}.conv1`, inPlanes, planes, { kernel: 1, stride: 1, pad: 0 });
  const bn1 = batchNorm(net, `${prefix}.bn1`, planes);
  const conv2 = conv2d(net, `${prefix}.conv2`, planes, planes, { kernel: 3, stride, pad: 1 });
  const bn2 = batchNorm(net, `${prefix}.bn2`, planes);
  const conv3 = conv2d(net, `${prefix}.conv3`, planes, out, { kernel: 1, stride: 1, pad: 0 });
  const bn3 = batchNorm(net, `${prefix}.bn3`, out);
  const short = shortcut(net, prefix, inPlanes, out, stride);
  return (x, training) => {
    let y = tf.relu(bn1(conv1(x), training));
    y = tf.relu(bn2(conv2(y), training));
    y = bn3(conv3(y), training);
    return tf.relu(tf.add(y, short(x, training)));
  };
}
