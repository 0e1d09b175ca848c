import { PruneError, Registry } from '@prunekit/core';
import type { RecipeInput } from './recipe.js';

/** A named recipe (a partial recipe merged over {@link SHORT_BASE} unless it is complete). */
export interface Preset {
  readonly name: string;
  readonly description: string;
  /** The PAPER.md row or source it reproduces. */
  readonly reference?: string;
  /** Fields the user must set (with `--set`), e.g. a reference run directory. */
  readonly requires?: readonly string[];
  readonly recipe: Partial<RecipeInput>;
}

/**
 * The short-run base every variant preset starts from: LeNet-300-100 on Fashion-MNIST, SGD with
 * momentum 0.9 and weight decay 1e-4, a 1-epoch dense warm-up (the IMP anchor is its end), then
 * 5 rounds × 1 epoch, cosine 0.1 → 0.01 per round, 20% pruned per round — minutes on a CPU.
 */
export const SHORT_BASE: RecipeInput = {
  model: { name: 'lenet-300-100', options: {} },
  dataset: { name: 'fashion-mnist', options: {} },
  training: {
    optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 1e-4 },
    batchSize: 128,
    epochs: '1ep',
    warmup: '1ep',
    schedule: { kind: 'cosine', lr: 0.1, min: 0.01 },
    augment: false,
  },
  pruning: { rounds: 5, fraction: 0.2, strategy: { name: 'magnitude-global', options: {} } },
  rewind: { policy: { name: 'lr-rewind', options: {} }, anchor: 'warmup', modifiers: [] },
};

const imp = { policy: { name: 'weight-rewind', options: {} } } as const;
const lrr = { policy: { name: 'lr-rewind', options: {} } } as const;
const REF = '<run directory>';

/** The paper's own CIFAR setting (PAPER.md, "Defaults of the paper's own code"), under LRR. */
function paperCifar(
  model: string,
  dataset: string,
  classes: number,
  weightDecay: number,
): Partial<RecipeInput> {
  return {
    model: { name: model, options: { stem: 'cifar', classes } },
    dataset: { name: dataset, options: {} },
    training: {
      optimizer: { kind: 'sgd', momentum: 0.9, weightDecay },
      batchSize: 256,
      epochs: '150ep',
      warmup: '10ep',
      schedule: { kind: 'cosine', lr: 0.1, min: 0.01 },
      augment: true,
    },
    pruning: { rounds: 20, fraction: 0.2, strategy: { name: 'magnitude-global', options: {} } },
    rewind: lrr,
  };
}

/** Every variant of PAPER.md's table, plus the paper's CIFAR defaults. */
export const builtinPresets: readonly Preset[] = [
  {
    name: 'imp',
    description: 'IMP with weight rewinding to the end of warm-up',
    reference: 'PAPER.md: IMP (weight rewinding)',
    recipe: { rewind: imp },
  },
  {
    name: 'lrr',
    description: 'learning-rate rewinding: weights, BN and momentum carry over',
    reference: 'PAPER.md: LRR',
    recipe: { rewind: lrr },
  },
  {
    name: 'fine-tune',
    description: 'fine-tuning at the final learning rate after each pruning step',
    reference: 'PAPER.md: fine-tuning (FT)',
    recipe: { rewind: { policy: { name: 'fine-tune', options: {} } } },
  },
  {
    name: 'lrr-bn-rewind',
    description: 'LRR, with batch-norm parameters and running statistics rewound to the anchor',
    reference: 'PAPER.md: LRR + BN rewind',
    recipe: { rewind: { policy: { name: 'bn-rewind', options: {} } } },
  },
  {
    name: 'imp-with-lrr-mask',
    description: 'IMP trained on the masks of a finished LRR run, round by round',
    reference: 'PAPER.md: IMP with the LRR mask',
    requires: ['pruning.strategy.options.reference'],
    recipe: { pruning: { strategy: { name: 'from-run', options: { reference: REF } } }, rewind: imp },
  },
  {
    name: 'lrr-with-imp-mask',
    description: 'LRR trained on the masks of a finished IMP run, round by round',
    reference: 'PAPER.md: LRR with the IMP mask',
    requires: ['pruning.strategy.options.reference'],
    recipe: { pruning: { strategy: { name: 'from-run', options: { reference: REF } } }, rewind: lrr },
  },
  {
    name: 'random-matched-imp',
    description: "random masks with a reference run's per-layer counts, under weight rewinding",
    reference: 'PAPER.md: random mask, matched layer-wise density (as IMP)',
    requires: ['pruning.strategy.options.reference'],
    recipe: { pruning: { strategy: { name: 'random-matched', options: { reference: REF } } }, rewind: imp },
  },
  {
    name: 'random-matched-lrr',
    description: "random masks with a reference run's per-layer counts, under LRR",
    reference: 'PAPER.md: random mask, matched layer-wise density (as LRR)',
    requires: ['pruning.strategy.options.reference'],
    recipe: { pruning: { strategy: { name: 'random-matched', options: { reference: REF } } }, rewind: lrr },
  },
  {
    name: 'random-erk',
    description: 'random masks with Erdős–Rényi-kernel layer densities, under LRR',
    reference: 'PAPER.md: random mask, ERK',
    recipe: { pruning: { strategy: { name: 'random-erk', options: {} } }, rewind: lrr },
  },
  {
    name: 'random-erk-imp',
    description: 'random ERK masks under weight rewinding',
    reference: 'PAPER.md: random mask, ERK (as IMP)',
    recipe: { pruning: { strategy: { name: 'random-erk', options: {} } }, rewind: imp },
  },
  {
    name: 'random-uniform',
    description: 'random masks with uniform layer densities, under LRR',
    reference: 'PAPER.md: random mask, uniform',
    recipe: { pruning: { strategy: { name: 'random-uniform', options: {} } }, rewind: lrr },
  },
  {
    name: 'random-balanced',
    description: 'random masks with equal counts per layer, under LRR',
    reference: 'PAPER.md: random mask, balanced',
    recipe: { pruning: { strategy: { name: 'random-balanced', options: {} } }, rewind: lrr },
  },
  {
    name: 'imp-with-lrr-signs',
    description: "IMP whose rewound weights take the signs of a finished LRR run's weights at the same round",
    reference: 'PAPER.md: IMP with LRR signs',
    requires: ['rewind.modifiers.0.options.from.run'],
    recipe: { rewind: { ...imp, modifiers: [{ name: 'with-signs', options: { from: { run: REF } } }] } },
  },
  {
    name: 'imp-own-signs',
    description: 'IMP that keeps the signs it learned: θ ← |θ_k| ⊙ sign(θ_trained)',
    reference: 'PAPER.md: IMP with its own learned signs',
    recipe: { rewind: { ...imp, modifiers: [{ name: 'with-signs', options: { from: 'trained' } }] } },
  },
  {
    name: 'imp-own-signs-shuffled',
    description: 'IMP with its own learned signs and the anchor magnitudes shuffled within each layer',
    reference: 'PAPER.md: … with shuffled magnitudes',
    recipe: {
      rewind: {
        ...imp,
        modifiers: [
          { name: 'shuffle-magnitudes', options: {} },
          { name: 'with-signs', options: { from: 'trained' } },
        ],
      },
    },
  },
  {
    name: 'lrr-initial-signs',
    description: 'LRR forced back to the anchor signs: θ ← |θ_trained| ⊙ sign(θ_k)',
    reference: 'PAPER.md: LRR forced back to initial signs',
    recipe: { rewind: { ...lrr, modifiers: [{ name: 'with-signs', options: { from: 'anchor' } }] } },
  },
  {
    name: 'sign-perturbation',
    description: 'LRR with sign perturbation: every epoch flip each surviving sign with probability 0.3',
    reference: 'PAPER.md: sign perturbation (P scaled to short runs)',
    recipe: { rewind: lrr, signs: { perturb: { every: '1ep', probability: 0.3 } } },
  },
  {
    name: 'fixed-signs',
    description: 'LRR with fixed-sign training: signs held at the initialization',
    reference: 'PAPER.md: fixed-sign training',
    recipe: { rewind: lrr, signs: { fixed: { from: 'init' } } },
  },
  {
    name: 'paper-cifar10',
    description:
      "the paper's CIFAR-10 setting: ResNet-18, 150 epochs per round, 10-epoch warm-up, batch 256 (days on a GPU)",
    reference: 'PAPER.md: defaults of the paper’s own code',
    recipe: paperCifar('resnet18', 'cifar10', 10, 1e-4),
  },
  {
    name: 'paper-cifar100',
    description: "the paper's CIFAR-100 setting: ResNet-50, weight decay 1e-3, 150 epochs per round",
    reference: 'PAPER.md: defaults of the paper’s own code',
    recipe: paperCifar('resnet50', 'cifar100', 100, 1e-3),
  },
];

/**
 * A registry of the built-in presets.
 *
 * @example
 * ```ts
 * createPresetRegistry().get('lrr').recipe;
 * ```
 */
export function createPresetRegistry(): Registry<Preset> {
  return new Registry('preset', builtinPresets);
}

/**
 * A preset as a full recipe object (merged over {@link SHORT_BASE}), ready for overrides.
 * A placeholder left in a required field gives an `E_RECIPE` naming the field to `--set`.
 *
 * @example
 * ```ts
 * const raw = presetRecipe(createPresetRegistry().get('imp'));
 * ```
 */
export function presetRecipe(preset: Preset): Record<string, unknown> {
  return deepMerge(SHORT_BASE as Record<string, unknown>, preset.recipe as Record<string, unknown>);
}

/**
 * Throw `E_RECIPE` naming the fields if a preset placeholder (`<run directory>`) is still in the recipe.
 *
 * @example
 * ```ts
 * assertNoPlaceholders(presetRecipe(createPresetRegistry().get('imp-with-lrr-mask'))); // throws: set pruning.strategy.options.reference
 * ```
 */
export function assertNoPlaceholders(raw: unknown, preset?: Preset): void {
  const found: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (v === REF) found.push(path);
    else if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, `${path}.${i}`);
      });
    } else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(raw, '');
  if (found.length) {
    throw new PruneError(
      'E_RECIPE',
      `${preset ? `preset '${preset.name}'` : 'the recipe'} needs a run directory at ${found.join(', ')}`,
      {
        hint: `pass it, e.g. --set ${found[0]}=runs/<run-id>`,
      },
    );
  }
}

/**
 * Deep-merge plain objects (arrays and scalars of `b` replace those of `a`). Returns a new object.
 *
 * @example
 * ```ts
 * deepMerge({ a: { b: 1, c: [1] } }, { a: { c: [2] } }); // { a: { b: 1, c: [2] } }
 * ```
 */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(a);
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : structuredClone(v);
  }
  return out;
}
