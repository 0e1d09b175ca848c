import type { MaskStrategy, Registry, RewindModifier, RewindPolicy, SignMetric } from '@prunekit/core';
import { type DatasetFactory, createDatasetRegistry } from '@prunekit/datasets';
import { createMaskRegistry } from '@prunekit/masks';
import { type ModelFactory, createModelRegistry } from '@prunekit/models';
import { createModifierRegistry, createRewindRegistry } from '@prunekit/rewinding';
import { createSignMetricRegistry } from '@prunekit/signs';

/** Every registry a run resolves names in. Pass your own to add third-party plugins. */
export interface Registries {
  readonly models: Registry<ModelFactory>;
  readonly datasets: Registry<DatasetFactory>;
  readonly masks: Registry<MaskStrategy>;
  readonly rewind: Registry<RewindPolicy>;
  readonly modifiers: Registry<RewindModifier>;
  readonly signs: Registry<SignMetric>;
}

/**
 * Fresh registries holding every built-in, with `overrides` replacing whole registries.
 *
 * @example
 * ```ts
 * const regs = createRegistries();
 * regs.masks.register(myStrategy); // now usable as pruning.strategy.name in recipes
 * ```
 */
export function createRegistries(overrides: Partial<Registries> = {}): Registries {
  return {
    models: overrides.models ?? (createModelRegistry() as unknown as Registry<ModelFactory>),
    datasets: overrides.datasets ?? (createDatasetRegistry() as unknown as Registry<DatasetFactory>),
    masks: overrides.masks ?? (createMaskRegistry() as unknown as Registry<MaskStrategy>),
    rewind: overrides.rewind ?? (createRewindRegistry() as unknown as Registry<RewindPolicy>),
    modifiers: overrides.modifiers ?? (createModifierRegistry() as unknown as Registry<RewindModifier>),
    signs: overrides.signs ?? (createSignMetricRegistry() as unknown as Registry<SignMetric>),
  };
}
