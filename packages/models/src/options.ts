import { z } from '@prunekit/core';

/** Shape of one input example (NHWC for images), e.g. `[32, 32, 3]`. */
export const inputShapeSchema = z
  .array(z.number().int().positive())
  .min(1)
  .describe('shape of one example without the batch dimension, NHWC for images (e.g. [32, 32, 3])');

/** An image shape `[height, width, channels]`. */
export const imageShapeSchema = z
  .tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()])
  .describe(
    'image shape [height, width, channels] (NHWC), e.g. [32, 32, 3] for CIFAR, [28, 28, 1] for Fashion-MNIST',
  );

/** Number of classes (output width). */
export const classesSchema = z.number().int().min(1).describe('number of classes (output width)');

/** Base channel width. */
export const widthSchema = z
  .number()
  .int()
  .positive()
  .describe('base number of channels (64 in the papers; smaller for quick tests)');
