import {
  cloneWeights,
  type HostTensor,
  type ModelSnapshot,
  PruneError,
  type RewindContext,
  type RewindModifier,
  type RewindResult,
  type RoundWeights,
  z,
} from '@prunekit/core';
import { assertLayout, assertResultLayout } from './snapshot.js';

/** Weights of another run to take signs from: run directory, round (default: `ctx.round`), which. */
export type RunSignSource = {
  /** The other run's directory, opened with `ctx.runs`. */
  readonly run: string;
  /** Its round to read; `'current'` (default) is the round that just ended here, `ctx.round`. */
  readonly round?: number | 'current' | undefined;
  /** End-of-training weights (`'trained'`, default) or the weights after that round's rewind. */
  readonly which?: RoundWeights | undefined;
};

/** Where {@link withSigns} takes the signs from. */
export type SignSource = 'trained' | 'anchor' | 'init' | RunSignSource;

/** Options of {@link withSigns}. */
export type WithSignsOptions = {
  /**
   * `'trained'`: this run's weights at the end of the round; `'anchor'`: θ_k; `'init'`: θ_0;
   * `{ run, round?, which? }`: another run's weights (e.g. LRR's, for "IMP with LRR signs").
   */
  readonly from: SignSource;
  /** Which parameters get the new signs: prunable weights only (default) or every parameter. */
  readonly params: 'prunable' | 'all';
};

const NAME = 'with-signs';

/**
 * Sign transfer: θ ← |θ_policy| ⊙ sign(θ_source), element-wise, on the prunable weights (or on
 * every parameter with `params: 'all'`). Magnitudes come from the policy's result, signs from the
 * source. Batch-norm state, optimizer state and schedule are passed through unchanged.
 *
 * **sign(0):** where the source is exactly 0 (or NaN) there is no sign to copy, so the policy's
 * value is kept as it is (its own sign). A zero policy value stays zero.
 *
 * Returns fresh buffers owned by the caller; `result` and `ctx` are not changed.
 *
 * @example
 * ```ts
 * // IMP with its own learned signs: anchor [0.5, -0.2, 0.1, 0.3], trained [-1, 2, 0, -3]
 * const next = await withSigns.modify(await weightRewind.apply(ctx, { at: '0it', replayFrom: 'start' }), ctx,
 *   { from: 'trained', params: 'prunable' });
 * // → [-0.5, 0.2, 0.1, -0.3]
 * ```
 */
export const withSigns: RewindModifier<WithSignsOptions> = {
  name: NAME,
  description:
    'θ ← |θ_policy| ⊙ sign(source): signs from trained, anchor, init or another run (zero source keeps the sign)',
  reference: 'Gadhikar & Burkholz, ICLR 2024 (sign transfer); Zhou et al. 2019',
  defaults: { from: 'trained', params: 'prunable' },
  schema: z.strictObject({
    from: z.union(
      [
        z.enum(['trained', 'anchor', 'init']),
        z.strictObject({
          run: z.string().min(1),
          round: z.union([z.number().int().min(0), z.literal('current')]).optional(),
          which: z.enum(['trained', 'rewound']).optional(),
        }),
      ],
      {
        error:
          "expected 'trained', 'anchor', 'init' or { run: '<run dir>', round?: number | 'current', which?: 'trained' | 'rewound' }",
      },
    ),
    params: z.enum(['prunable', 'all']),
  }),
  async modify(result: RewindResult, ctx: RewindContext, options: WithSignsOptions): Promise<RewindResult> {
    const who = `rewind modifier '${NAME}'`;
    assertResultLayout(result, ctx, who, 'input');
    const { snapshot, label } = await signSource(ctx, options.from, who);
    const targets = ctx.params.filter((p) => options.params === 'all' || p.prunable);
    const picked = new Map<string, HostTensor>();
    for (const p of targets) {
      const t = snapshot.params.get(p.name);
      if (t) picked.set(p.name, t);
    }
    assertLayout(picked, targets, `${label}.params`, who);
    const params = cloneWeights(result.weights.params);
    for (const p of targets) {
      const out = params.get(p.name)!.data;
      const src = snapshot.params.get(p.name)!.data;
      for (let i = 0; i < out.length; i++) {
        const s = src[i]!;
        const m = Math.abs(out[i]!);
        if (s > 0) out[i] = m;
        else if (s < 0) out[i] = -m;
        // s === 0 or NaN: keep the policy's value (and so its sign).
      }
    }
    return {
      weights: { params, state: cloneWeights(result.weights.state) },
      optimizer:
        result.optimizer === null
          ? null
          : { ...result.optimizer, slots: cloneWeights(result.optimizer.slots) },
      schedule: result.schedule,
    };
  },
};

async function signSource(
  ctx: RewindContext,
  from: SignSource,
  who: string,
): Promise<{ snapshot: ModelSnapshot; label: string }> {
  if (from === 'trained') return { snapshot: ctx.trained, label: 'ctx.trained' };
  if (from === 'anchor') return { snapshot: ctx.anchor, label: 'ctx.anchor' };
  if (from === 'init') return { snapshot: ctx.init, label: 'ctx.init' };
  if (!ctx.runs) {
    throw new PruneError(
      'E_REFERENCE',
      `${who}: options.from names the run '${from.run}' but the runner gave no run resolver (ctx.runs)`,
      {
        hint: 'run through a runner that can open other runs, or pass runs: (dir) => reader in the rewind context',
      },
    );
  }
  const round = from.round === undefined || from.round === 'current' ? ctx.round : from.round;
  const which = from.which ?? 'trained';
  const snapshot = await ctx.runs(from.run).weights(round, which);
  return { snapshot, label: `run '${from.run}' round ${round} (${which})` };
}
