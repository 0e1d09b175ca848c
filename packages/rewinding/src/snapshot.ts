import {
  cloneWeights,
  type HostTensor,
  type Mask,
  type ModelSnapshot,
  type OptimizerState,
  PruneError,
  type RewindContext,
  type RewindResult,
  sameShape,
  sizeOf,
} from '@prunekit/core';

/** A name and a shape: what a snapshot entry is checked against. */
export interface TensorLayout {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * A deep copy of a snapshot: fresh buffers, owned by the caller.
 *
 * @example
 * ```ts
 * const weights = cloneSnapshot(ctx.trained); // safe to change; ctx.trained is untouched
 * ```
 */
export function cloneSnapshot(snapshot: ModelSnapshot): ModelSnapshot {
  return { params: cloneWeights(snapshot.params), state: cloneWeights(snapshot.state) };
}

/**
 * A deep copy of an optimizer state (slots get fresh buffers, owned by the caller).
 *
 * @example
 * ```ts
 * const optimizer = cloneOptimizerState(ctx.optimizer.anchor);
 * ```
 */
export function cloneOptimizerState(state: OptimizerState): OptimizerState {
  return { kind: state.kind, step: state.step, slots: cloneWeights(state.slots) };
}

/**
 * Throw `E_SHAPE` unless `weights` holds exactly the entries of `layout` (same names, same shapes,
 * data lengths that fit the shapes). `what` names the checked snapshot in the message
 * (`ctx.anchor.params`), `who` the plugin that checks (`rewind policy 'weight-rewind'`).
 *
 * @example
 * ```ts
 * assertLayout(ctx.anchor.params, ctx.params, 'ctx.anchor.params', "rewind policy 'my-policy'");
 * ```
 */
export function assertLayout(
  weights: ReadonlyMap<string, HostTensor>,
  layout: readonly TensorLayout[],
  what: string,
  who: string,
): void {
  const hint =
    'every snapshot given to a rewind policy must come from the same model as ctx.params (same names and shapes)';
  const known = new Set<string>();
  for (const entry of layout) {
    known.add(entry.name);
    const t = weights.get(entry.name);
    if (!t) {
      throw new PruneError('E_SHAPE', `${who}: ${what} has no entry '${entry.name}'`, { hint, where: what });
    }
    if (!sameShape(t.shape, entry.shape)) {
      throw new PruneError(
        'E_SHAPE',
        `${who}: ${what} '${entry.name}' has shape [${t.shape.join(', ')}] but the model's is [${entry.shape.join(', ')}]`,
        { hint, where: what },
      );
    }
    if (t.data.length !== sizeOf(entry.shape)) {
      throw new PruneError(
        'E_SHAPE',
        `${who}: ${what} '${entry.name}' holds ${t.data.length} values but shape [${entry.shape.join(', ')}] needs ${sizeOf(entry.shape)}`,
        { hint, where: what },
      );
    }
  }
  for (const name of weights.keys()) {
    if (!known.has(name)) {
      const list = [...known].slice(0, 8).join(', ');
      throw new PruneError(
        'E_SHAPE',
        `${who}: ${what} has an entry '${name}' that the model does not have (model: ${list}${known.size > 8 ? ', …' : ''})`,
        {
          hint,
          where: what,
        },
      );
    }
  }
}

/**
 * The layout (names and shapes, in order) of a snapshot part, for {@link assertLayout}.
 *
 * @example
 * ```ts
 * assertLayout(ctx.anchor.state, layoutOf(ctx.trained.state), 'ctx.anchor.state', "rewind policy 'my-policy'");
 * ```
 */
export function layoutOf(weights: ReadonlyMap<string, HostTensor>): TensorLayout[] {
  return [...weights].map(([name, t]) => ({ name, shape: t.shape }));
}

/**
 * Throw `E_SHAPE` if an optimizer slot `${param}/${slot}` names a parameter of the model but its
 * element count differs from that parameter's. Slots that name no parameter (optimizer-global
 * values) are allowed.
 *
 * @example
 * ```ts
 * assertOptimizerSlots(ctx.optimizer.anchor, ctx, 'ctx.optimizer.anchor', "rewind policy 'weight-rewind'");
 * ```
 */
export function assertOptimizerSlots(
  state: OptimizerState,
  ctx: Pick<RewindContext, 'params'>,
  what: string,
  who: string,
): void {
  const sizes = new Map(ctx.params.map((p) => [p.name, sizeOf(p.shape)]));
  for (const [key, t] of state.slots) {
    const param = slotParam(key);
    const n = param === undefined ? undefined : sizes.get(param);
    if (n !== undefined && (t.data.length !== n || sizeOf(t.shape) !== n)) {
      throw new PruneError(
        'E_SHAPE',
        `${who}: ${what} slot '${key}' has shape [${t.shape.join(', ')}] but parameter '${param}' has ${n} values`,
        { where: what, hint: 'the optimizer state must come from the same model as ctx.params' },
      );
    }
  }
}

/**
 * Check everything a rewind policy reads: `ctx.mask` fits `ctx.params`; `trained`, `anchor` and
 * `init` hold exactly the model's parameters (names and shapes) and the same state tensors as
 * `trained`; optimizer slots fit their parameters. Throws `E_SHAPE` (or `E_MASK`) naming the
 * snapshot and the entry. Every built-in policy calls it first; third-party policies may too.
 *
 * @example
 * ```ts
 * assertRewindContext(ctx, "rewind policy 'my-policy'");
 * ```
 */
export function assertRewindContext(ctx: RewindContext, who: string): void {
  ctx.mask.assertMatches(ctx.params, `${who}: ctx.mask`);
  const state = layoutOf(ctx.trained.state);
  assertLayout(ctx.trained.params, ctx.params, 'ctx.trained.params', who);
  assertLayout(ctx.anchor.params, ctx.params, 'ctx.anchor.params', who);
  assertLayout(ctx.init.params, ctx.params, 'ctx.init.params', who);
  assertLayout(ctx.anchor.state, state, 'ctx.anchor.state', who);
  assertLayout(ctx.init.state, state, 'ctx.init.state', who);
  assertOptimizerSlots(ctx.optimizer.trained, ctx, 'ctx.optimizer.trained', who);
  assertOptimizerSlots(ctx.optimizer.anchor, ctx, 'ctx.optimizer.anchor', who);
}

/**
 * Check a {@link RewindResult} against the model: its weights hold exactly the model's
 * parameters and the state tensors of `ctx.trained`; its optimizer slots fit their parameters.
 * Modifiers call it on the result they receive; `applyRewind` calls it after every step.
 *
 * @example
 * ```ts
 * assertResultLayout(result, ctx, "rewind modifier 'with-signs'", 'input');
 * ```
 */
export function assertResultLayout(
  result: RewindResult,
  ctx: RewindContext,
  who: string,
  what = 'result',
): void {
  if (!result || typeof result !== 'object' || !result.weights || !result.schedule) {
    throw new PruneError(
      'E_INTERNAL',
      `${who}: ${what} is not a RewindResult ({ weights, optimizer, schedule })`,
    );
  }
  assertLayout(result.weights.params, ctx.params, `${what}.weights.params`, who);
  assertLayout(result.weights.state, layoutOf(ctx.trained.state), `${what}.weights.state`, who);
  if (result.optimizer !== null) assertOptimizerSlots(result.optimizer, ctx, `${what}.optimizer`, who);
}

/**
 * A copy of `result` with the mask applied: pruned weights set to exactly 0, and so are the
 * matching entries of per-weight optimizer slots (`${param}/momentum`, …) of masked parameters.
 * All buffers of the returned result are fresh (owned by the caller); `result` is not changed.
 *
 * @example
 * ```ts
 * const masked = maskResult(result, ctx.mask);
 * ```
 */
export function maskResult(result: RewindResult, mask: Mask): RewindResult {
  const weights = cloneSnapshot(result.weights);
  for (const [name, m] of mask.entries()) {
    const t = weights.params.get(name);
    if (t) zeroPruned(t.data, m.data);
  }
  let optimizer: OptimizerState | null = null;
  if (result.optimizer !== null) {
    optimizer = cloneOptimizerState(result.optimizer);
    for (const [key, t] of optimizer.slots) {
      const param = slotParam(key);
      if (param !== undefined && mask.has(param)) {
        const m = mask.get(param).data;
        if (m.length === t.data.length) zeroPruned(t.data, m);
      }
    }
  }
  return { weights, optimizer, schedule: result.schedule };
}

/**
 * The parameter an optimizer slot key `${param}/${slot}` belongs to (split at the last `/`), or
 * undefined if the key has no `/`.
 *
 * @example
 * ```ts
 * slotParam('layer1.0.conv1.weight/momentum'); // 'layer1.0.conv1.weight'
 * ```
 */
export function slotParam(key: string): string | undefined {
  const i = key.lastIndexOf('/');
  return i <= 0 ? undefined : key.slice(0, i);
}

function zeroPruned(data: Float32Array, mask: Uint8Array): void {
  for (let i = 0; i < data.length; i++) if (mask[i] === 0) data[i] = 0;
}
