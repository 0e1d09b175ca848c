import * as tf from '@tensorflow/tfjs-core';
import { PruneError } from '@prunekit/core';

/**
 * Run `fn` and throw if it left tensors behind (`tf.memory().numTensors` grew by more than
 * `allowed`). For tests and debugging; works with sync and async functions.
 *
 * @example
 * ```ts
 * const out = await expectNoLeaks(() => model.forward(x, false).dispose());
 * ```
 */
export async function expectNoLeaks<T>(
  fn: () => T | Promise<T>,
  options: { allowed?: number; label?: string } = {},
): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  const grew = after - before;
  if (grew > (options.allowed ?? 0)) {
    throw new PruneError(
      'E_INTERNAL',
      `${options.label ?? 'the call'} leaked ${grew} tensor(s) (${before} → ${after})`,
    );
  }
  return result;
}

/**
 * How many tensors `fn` leaves behind (negative if it frees some).
 *
 * @example
 * ```ts
 * expect(await tensorGrowth(() => step())).toBe(0);
 * ```
 */
export async function tensorGrowth(fn: () => unknown): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}
