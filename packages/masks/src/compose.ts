import {
  Mask,
  type MaskContext,
  type MaskStrategy,
  type MaskTensor,
  type ParamInfo,
  PruneError,
  z,
} from '@prunekit/core';
import { checkContext } from './context.js';
import { exponentialSchedule, keepCount } from './counts.js';
import { selectTopK } from './select.js';
import type {
  Allocation,
  AllocationResult,
  LayerUnits,
  OptionShape,
  Score,
  Selection,
  UnitScores,
} from './types.js';

/** The three parts of a composed strategy, plus its name and description. */
export interface ComposeSpec<SO, AO, LO> {
  /** Registry name of the strategy, kebab-case. */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** The paper or code it follows. */
  readonly reference?: string;
  /** Which weights matter. */
  readonly score: Score<SO>;
  /** How many units each layer keeps. */
  readonly allocation: Allocation<AO>;
  /** What a unit is (weight, channel) and how units are chosen. */
  readonly selection: Selection<LO>;
  /** Override some of the parts' default options. */
  readonly defaults?: Partial<SO & AO & LO>;
}

/** A strategy made by {@link composeStrategy}; its parts stay visible. */
export interface ComposedStrategy<O> extends MaskStrategy<O> {
  readonly parts: {
    readonly score: Score<unknown>;
    readonly allocation: Allocation<unknown>;
    readonly selection: Selection<unknown>;
  };
}

/**
 * Make a mask strategy from a score, an allocation and a selection (as jaxpruner separates them).
 * The strategy's options are the union of the parts' options, validated by one strict schema.
 *
 * One pruning step: score every weight, group scores into units (pruned weights get `-Infinity`)
 * (weights or channels), compute the exact kept count from `ctx.target` over the surviving units
 * ({@link keepCount}), let the allocation split it per layer (or keep it global), select the top
 * units with the deterministic tie rule of {@link selectTopK}, and expand them to a weight mask
 * inside `ctx.mask`. Scores with `iterations() > 1` (SynFlow) repeat score → select along an
 * exponential schedule of kept counts, re-scoring under each intermediate mask.
 *
 * @example
 * ```ts
 * import { composeStrategy, randomScore, erkAllocation, unstructuredSelection } from '@prunekit/masks';
 * const randomErk = composeStrategy({
 *   name: 'my-random-erk', description: 'random weights, ERK densities',
 *   score: randomScore, allocation: erkAllocation, selection: unstructuredSelection,
 * });
 * ```
 */
export function composeStrategy<SO, AO, LO>(spec: ComposeSpec<SO, AO, LO>): ComposedStrategy<SO & AO & LO> {
  type O = SO & AO & LO;
  const shape: Record<string, z.ZodType> = {};
  const owner: Record<string, string> = {};
  const parts: [string, { name: string; shape: OptionShape<unknown> }][] = [
    ['score', spec.score as never],
    ['allocation', spec.allocation as never],
    ['selection', spec.selection as never],
  ];
  for (const [role, part] of parts) {
    for (const [key, schema] of Object.entries(part.shape as Record<string, z.ZodType>)) {
      if (key in shape) {
        throw new PruneError(
          'E_RECIPE',
          `composeStrategy '${spec.name}': option '${key}' is defined by both ${owner[key]} and ${role} '${part.name}'`,
          { hint: 'rename the option in one of the parts' },
        );
      }
      shape[key] = schema;
      owner[key] = `${role} '${part.name}'`;
    }
  }
  const defaults = {
    ...(spec.score.defaults as object),
    ...(spec.allocation.defaults as object),
    ...(spec.selection.defaults as object),
    ...((spec.defaults ?? {}) as object),
  } as O;
  const strategy: ComposedStrategy<O> = {
    name: spec.name,
    description: spec.description,
    ...(spec.reference === undefined ? {} : { reference: spec.reference }),
    defaults,
    schema: z.object(shape).strict() as unknown as z.ZodType<O>,
    parts: {
      score: spec.score as Score<unknown>,
      allocation: spec.allocation as Allocation<unknown>,
      selection: spec.selection as Selection<unknown>,
    },
    prune: (ctx, options) => runPipeline(spec, ctx, options),
  };
  return strategy;
}

async function runPipeline<SO, AO, LO>(
  spec: ComposeSpec<SO, AO, LO>,
  ctx: MaskContext,
  options: SO & AO & LO,
): Promise<Mask> {
  const who = `mask strategy '${spec.name}'`;
  checkContext(ctx, spec.name);
  const { score, allocation, selection } = spec;
  const prunable = ctx.params.filter((p) => p.prunable);
  const frozenNames = new Set(selection.frozen?.(prunable, options) ?? []);
  const active = prunable.filter((p) => !frozenNames.has(p.name));
  const steps = score.iterations?.(options) ?? 1;

  let mask = ctx.mask;
  let schedule: number[] | undefined;
  for (let step = 0; ; step++) {
    const stepCtx: MaskContext = step === 0 ? ctx : { ...ctx, mask };
    const scores = await score.score(stepCtx, options);
    const units = active.map((p) => groupUnits(selection, p, scores, mask, options, who));
    const layers: LayerUnits[] = active.map((p, i) => ({
      name: p.name,
      info: p,
      total: units[i]!.scores.length,
      alive: units[i]!.aliveCount,
    }));
    if (!schedule) {
      const alive = layers.reduce((s, l) => s + l.alive, 0);
      const total = layers.reduce((s, l) => s + l.total, 0);
      schedule = exponentialSchedule(alive, keepCount(ctx.target, alive, total), steps);
    }
    const keep = schedule[step]!;
    const result = await allocation.allocate(
      { ctx: stepCtx, strategy: spec.name, layers, keep, unit: selection.unit },
      options,
    );
    const kept = selectUnits(result, layers, units, who, allocation.name);
    const entries: [string, MaskTensor][] = [];
    for (const name of ctx.mask.names()) {
      const current = mask.get(name);
      const i = active.findIndex((p) => p.name === name);
      const data =
        i < 0 ? current.data.slice() : selection.expand(active[i]!, kept[i]!, current.data, options);
      if (data.length !== current.data.length) {
        throw new PruneError(
          'E_INTERNAL',
          `${who}: selection '${selection.name}' returned ${data.length} values for '${name}'`,
        );
      }
      entries.push([name, { shape: [...current.shape], data }]);
    }
    mask = new Mask(entries);
    if (step === schedule.length - 1) return mask;
  }
}

function groupUnits<O>(
  selection: Selection<O>,
  p: ParamInfo,
  scores: Map<string, Float32Array>,
  mask: Mask,
  options: O,
  who: string,
): UnitScores {
  const s = scores.get(p.name);
  const m = mask.get(p.name).data;
  if (!s) throw new PruneError('E_INTERNAL', `${who}: the score gave nothing for parameter '${p.name}'`);
  if (s.length !== m.length) {
    throw new PruneError(
      'E_SHAPE',
      `${who}: the score of '${p.name}' has ${s.length} values but the parameter has ${m.length}`,
    );
  }
  // The selection gives pruned weights -Infinity (unstructured) or leaves them out (channel).
  return selection.group(p, s, m, options);
}

function selectUnits(
  result: AllocationResult,
  layers: readonly LayerUnits[],
  units: readonly UnitScores[],
  who: string,
  allocationName: string,
): Uint8Array[] {
  if (result.kind === 'global') {
    const alive = layers.reduce((s, l) => s + l.alive, 0);
    if (!Number.isInteger(result.keep) || result.keep < 0 || result.keep > alive) {
      throw new PruneError(
        'E_INTERNAL',
        `${who}: allocation '${allocationName}' asks to keep ${result.keep} of ${alive} surviving units`,
      );
    }
    return selectTopK(units, result.keep);
  }
  return layers.map((l, i) => {
    const k = result.counts.get(l.name);
    if (k === undefined || !Number.isInteger(k) || k < 0 || k > l.alive) {
      throw new PruneError(
        'E_INTERNAL',
        `${who}: allocation '${allocationName}' gave ${k} for '${l.name}', which has ${l.alive} surviving units`,
      );
    }
    return selectTopK([units[i]!], k)[0]!;
  });
}
