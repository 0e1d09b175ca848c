import { Registry, type SignMetric } from '@prunekit/core';
import { flipFraction } from './flip-fraction.js';
import { signAgreement } from './sign-agreement.js';

/**
 * The sign metrics this package ships, in a fixed order. Nothing registers at import time: start a
 * registry from this list ({@link createSignMetricRegistry}) and add your own.
 *
 * @example
 * ```ts
 * builtinSignMetrics.map((m) => m.name); // ['flip-fraction', 'sign-agreement']
 * ```
 */
export const builtinSignMetrics: readonly SignMetric[] = [flipFraction, signAgreement];

/**
 * A new registry of sign metrics holding the built-ins. Unknown names throw `E_UNKNOWN_NAME` and
 * list the known ones.
 *
 * @example
 * ```ts
 * const metrics = createSignMetricRegistry();
 * metrics.register(myMetric);                       // a third-party metric
 * const r = metrics.get('flip-fraction').compute(ctx, {});
 * ```
 */
export function createSignMetricRegistry(): Registry<SignMetric> {
  return new Registry('sign metric', builtinSignMetrics);
}
