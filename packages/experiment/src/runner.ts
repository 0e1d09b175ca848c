import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Dataset,
  type EventSink,
  type LrSchedule,
  Mask,
  type MaskContext,
  type ModelSnapshot,
  type OptimizerState,
  type PrunableModel,
  type PruneTarget,
  PruneError,
  type ScheduleDirective,
  type SignReport,
  isPruneError,
  noopSink,
  parseStep,
  resolveOptions,
  sizeOf,
  toIterations,
} from '@prunekit/core';
import { loadDataset } from '@prunekit/datasets';
import { createModel } from '@prunekit/models';
import { composeRewind } from '@prunekit/rewinding';
import {
  SignSwitchTracker,
  type SignSwitchTrackerState,
  fixedSignProjection,
  signPerturbationHook,
} from '@prunekit/signs';
import {
  type EngineRequest,
  createRng,
  currentBackend,
  initBackend,
  loadMask,
  loadWeights,
  saveMask,
  saveWeights,
  writeFileAtomic,
} from '@prunekit/tensor';
import {
  type Optimizer,
  type TrainHooks,
  constant,
  createOptimizer,
  evaluate,
  linearWarmup,
  lossFor,
  offset,
  roundSchedule,
  trainPhase,
} from '@prunekit/train';
import { assertNoPlaceholders } from './presets.js';
import { type Recipe, resolveRecipe, seedsOf } from './recipe.js';
import { type Registries, createRegistries } from './registries.js';
import {
  RUN_FILES,
  joinSnapshot,
  lockRunDir,
  openRun,
  readJson,
  readJsonl,
  removeStaleTempFiles,
  roundFile,
  runDirectory,
  splitSnapshot,
  writeJson,
  writeJsonl,
} from './run-dir.js';
import { canonicalJson, runId } from './run-id.js';

/** Options of {@link runExperiment} and {@link resumeRun}. */
export interface RunOptions {
  /** Parent directory of run directories (default `runs`). */
  readonly out?: string;
  /** Registries to resolve names in (default: all built-ins). */
  readonly registries?: Partial<Registries>;
  /** Progress events. */
  readonly onEvent?: EventSink;
  /** Backend to start if none is started yet (default: automatic). */
  readonly backend?: EngineRequest;
  /** A loaded dataset to use instead of loading `recipe.dataset` (e.g. shared by several runs). */
  readonly data?: Dataset;
  /**
   * Labels stored in `recipe.json` when the run directory is created (not part of the run id):
   * the preset it came from, the sweep and grid point. {@link mergeRuns} reports them.
   */
  readonly meta?: RunMeta;
}

/** Labels of a run that are not part of its recipe (see {@link RunOptions.meta}). */
export interface RunMeta {
  /** The preset the recipe was made from. */
  readonly preset?: string;
  /** The sweep it belongs to. */
  readonly sweep?: string;
  /** The sweep's grid values of this run, by dotted path (e.g. `{ 'pruning.fraction': 0.5 }`). */
  readonly label?: Readonly<Record<string, unknown>>;
}

/** One line of `metrics.jsonl`. */
export interface RoundMetrics {
  readonly type: 'round' | 'epoch';
  readonly round: number;
  readonly epoch?: number;
  readonly density: number;
  readonly testLoss: number;
  readonly testAccuracy?: number;
  readonly validationLoss?: number;
  readonly validationAccuracy?: number;
  readonly trainLoss: number;
  readonly layerDensity?: Readonly<Record<string, number>>;
  readonly seconds?: number;
}

/** What a finished run returns (also in `done.json`). */
export interface RunResult {
  readonly runId: string;
  readonly dir: string;
  readonly rounds: readonly RoundMetrics[];
  readonly seconds: number;
  readonly backend: string;
  /** True when the run was already finished and nothing ran (the result is read from `done.json`). */
  readonly skipped?: boolean;
}

/** The resume point, `checkpoint/state.json`. */
interface RunState {
  readonly format: 'prunekit/run-state';
  readonly version: 1;
  readonly recipeHash: string;
  readonly backend: string;
  /** Round in progress. */
  readonly round: number;
  /** Phase in progress: the dense warm-up (round 0 only) or the round's training. */
  readonly phase: 'warmup' | 'train';
  /** Next step of that phase to run. */
  readonly step: number;
  /** The schedule of the round in progress, as the rewind policy decided it. */
  readonly directive: ScheduleDirective;
  /** LR of the last step taken (for fine-tuning's constant 'last'). */
  readonly lastLr: number;
  /** Checkpoint generation: files `checkpoint/gen-<n>.*.safetensors`. */
  readonly gen: number;
  readonly metricsCount: number;
  readonly signsCount: number;
  readonly trainLoss: number;
  readonly tracker?: SignSwitchTrackerState;
}

/**
 * Run a recipe: dense training (with warm-up and the rewind anchor θ_k), then for each round
 * train → mask strategy → rewind policy → re-mask, then train the last mask; sign metrics per
 * round. Writes everything to `<out>/<run-id>/` and checkpoints at the end of every epoch; if
 * the directory already holds this recipe's run, it continues from its last checkpoint (a
 * finished run returns at once). Same recipe and seed on the same backend → bit-identical
 * masks, weights and metrics, with or without interruptions.
 *
 * @example
 * ```ts
 * const { dir, rounds } = await runExperiment({
 *   model: { name: 'lenet-300-100' }, dataset: { name: 'fashion-mnist', options: { limit: 6000 } },
 *   pruning: { rounds: 3 }, rewind: { policy: { name: 'lr-rewind' } },
 * }, { out: 'runs' });
 * ```
 */
export async function runExperiment(input: unknown, options: RunOptions = {}): Promise<RunResult> {
  const recipe = resolveRecipe(input);
  const id = runId(recipe);
  const dir = runDirectory(options.out ?? 'runs', id);
  return runInDir(recipe, id, dir, options);
}

/**
 * Continue the run in `dir` from its last checkpoint (its recipe is read from `recipe.json`).
 *
 * @example
 * ```ts
 * await resumeRun('runs/lenet-300-100.fashion-mnist.lr-rewind-1c0c111592');
 * ```
 */
export async function resumeRun(dir: string, options: Omit<RunOptions, 'out'> = {}): Promise<RunResult> {
  const path = join(dir, RUN_FILES.recipe);
  if (!existsSync(path)) {
    throw new PruneError('E_REFERENCE', `${dir} is not a prunekit run directory (no ${RUN_FILES.recipe})`, {
      hint: 'pass the directory printed by `prunekit run`',
      where: dir,
    });
  }
  const stored = readJson<{ runId: string; recipe: unknown }>(path, 'recipe');
  const recipe = resolveRecipe(stored.recipe, path);
  return runInDir(recipe, stored.runId, dir, options);
}

/**
 * Check every plugin name and option of a resolved recipe against the registries (model,
 * dataset, mask strategy, rewind policy and modifiers), without loading data or writing
 * anything. Throws the `E_UNKNOWN_NAME` / `E_RECIPE` error the run would throw, naming the field.
 * Sweeps call it for every grid point before the first run starts.
 *
 * @example
 * ```ts
 * checkPlugins(resolveRecipe({ model: { name: 'mlp' }, dataset: { name: 'gaussian-mixture' } }));
 * ```
 */
export function checkPlugins(recipe: Recipe, registries: Partial<Registries> = {}): void {
  resolvePlugins(recipe, createRegistries(registries));
}

function resolvePlugins(recipe: Recipe, regs: Registries) {
  const modelFactory = named(() => regs.models.get(recipe.model.name), 'model.name');
  const datasetFactory = named(() => regs.datasets.get(recipe.dataset.name), 'dataset.name');
  const strategy = named(() => regs.masks.get(recipe.pruning.strategy.name), 'pruning.strategy.name');
  const strategyOptions = resolveOptions(
    strategy,
    recipe.pruning.strategy.options,
    'pruning.strategy.options',
  );
  const rewind = composeRewind(
    {
      policy: recipe.rewind.policy.name,
      options: recipe.rewind.policy.options,
      modifiers: recipe.rewind.modifiers,
    },
    { policies: regs.rewind, modifiers: regs.modifiers, path: 'rewind' },
  );
  const modelOptions = resolveOptions(modelFactory, recipe.model.options, 'model.options');
  const datasetOptions = resolveOptions(datasetFactory, recipe.dataset.options, 'dataset.options');
  const flip = named(() => regs.signs.get('flip-fraction'), 'signs');
  return {
    modelFactory,
    datasetFactory,
    strategy,
    strategyOptions,
    rewind,
    modelOptions,
    datasetOptions,
    flip,
  };
}

async function runInDir(recipe: Recipe, id: string, dir: string, options: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const emit = options.onEvent ?? noopSink;
  const regs = createRegistries(options.registries);
  const recipeHash = canonicalJson(recipe);

  // Validate every name and option before writing anything.
  const {
    modelFactory,
    datasetFactory,
    strategy,
    strategyOptions,
    rewind,
    modelOptions,
    datasetOptions,
    flip,
  } = resolvePlugins(recipe, regs);
  assertNoPlaceholders(recipe);
  // Other runs this one reads (masks, signs) must exist before anything is trained.
  for (const [field, ref] of crossRunReferences(recipe)) {
    try {
      const other = openRun(ref);
      // A mask strategy's reference run is read for the mask of every round (or of options.round).
      if (field === 'pruning.strategy.options.reference') {
        const fixed = (recipe.pruning.strategy.options as { round?: unknown }).round;
        const need = typeof fixed === 'number' ? fixed : recipe.pruning.rounds;
        if (other.lastRound() < need) {
          throw new PruneError(
            'E_REFERENCE',
            `run ${ref} has masks for rounds 0..${other.lastRound()}, but this recipe needs round ${need}`,
            {
              hint: `finish or resume that run first, or set pruning.rounds (or the strategy's round option) to at most ${other.lastRound()}`,
              where: ref,
            },
          );
        }
      }
    } catch (e) {
      if (isPruneError(e)) throw new PruneError(e.code, `${field}: ${e.message}`, { cause: e, where: ref });
      throw e;
    }
  }

  const release = lockRunDir(dir);
  removeStaleTempFiles(dir); // left by writes a crash interrupted; we hold the lock, so no one else writes
  let model: PrunableModel | undefined;
  let optimizer: Optimizer | undefined;
  let projection: ReturnType<typeof fixedSignProjection> | undefined;
  try {
    const recipeFile = join(dir, RUN_FILES.recipe);
    if (existsSync(recipeFile)) {
      const stored = readJson<{ recipe: unknown }>(recipeFile, 'recipe');
      if (canonicalJson(resolveRecipe(stored.recipe, recipeFile)) !== recipeHash) {
        throw new PruneError('E_CHECKPOINT', `${dir} holds a run of another recipe`, {
          hint: 'use another --out directory, or resume that run with `prunekit resume`',
          where: dir,
        });
      }
      if (existsSync(join(dir, RUN_FILES.done)))
        return { ...readJson<RunResult>(join(dir, RUN_FILES.done), 'result'), skipped: true };
    } else {
      writeJson(recipeFile, { runId: id, recipe, ...(options.meta ? { meta: options.meta } : {}) });
    }

    if (!currentBackend()) await initBackend(options.backend ? { engine: options.backend } : {});
    const backend = currentBackend()!.engine;
    const seeds = seedsOf(recipe);
    const data = options.data ?? (await loadDataset(datasetFactory, datasetOptions, 'dataset.options'));
    model = createModel(modelFactory, modelOptions, seeds.init, 'model.options');
    const m = model;
    checkFits(m, data, recipe);
    emit({ type: 'run-start', runId: id, dir, rounds: recipe.pruning.rounds, backend });
    const opt = createOptimizer(m, recipe.training.optimizer);
    optimizer = opt;
    const loss = lossFor(m.task);
    const bs = recipe.training.batchSize;
    const ipe = data.batchCount('train', { batchSize: bs });
    if (ipe === 0)
      throw new PruneError('E_DATA', `dataset '${data.name}' has no training examples`, { where: 'dataset' });
    const roundSteps = Math.max(1, toIterations(recipe.training.epochs, ipe));
    const warmupSteps = toIterations(recipe.training.warmup, ipe);
    // The anchor θ_k: the policy's own `at` option if it has one set (weight-rewind{at}), else
    // the recipe's rewind.anchor (default: the end of warm-up, as in the paper).
    const atOption = (rewind.options as { at?: unknown }).at;
    const anchorSpec = typeof atOption === 'string' ? atOption : recipe.rewind.anchor;
    const anchorStep = anchorSpec === 'warmup' ? warmupSteps : toIterations(anchorSpec, ipe);
    if (anchorStep > warmupSteps + roundSteps) {
      throw new PruneError(
        'E_RECIPE',
        `rewind.anchor is step ${anchorStep}, after the end of round 0 (step ${warmupSteps + roundSteps})`,
        {
          hint: 'choose an anchor inside the warm-up or the first round',
        },
      );
    }
    const L = recipe.pruning.rounds;
    const files = {
      init: join(dir, RUN_FILES.init),
      anchor: join(dir, RUN_FILES.anchor),
      anchorOpt: join(dir, RUN_FILES.anchorOptimizer),
      state: join(dir, RUN_FILES.state),
      metrics: join(dir, RUN_FILES.metrics),
      signs: join(dir, RUN_FILES.signs),
    };
    mkdirSync(join(dir, 'checkpoint'), { recursive: true });
    if (!existsSync(files.init)) saveWeights(files.init, joinSnapshot(m.snapshot()), { kind: 'init' });
    const init = splitSnapshot(loadWeights(files.init).weights);

    // ---- state: fresh or from the last checkpoint -------------------------------------------
    let st: RunState;
    if (existsSync(files.state)) {
      st = readJson<RunState>(files.state, 'checkpoint state');
      if (st.format !== 'prunekit/run-state' || st.recipeHash !== recipeHash) {
        throw new PruneError('E_CHECKPOINT', `${files.state} was written for another recipe`, {
          hint: 'start a new run directory for this recipe',
          where: files.state,
        });
      }
      if (st.backend !== backend) {
        emit({
          type: 'log',
          level: 'warn',
          message: `run was checkpointed on ${st.backend}, resuming on ${backend}: results may differ in the last bits`,
        });
      }
      m.restore(
        splitSnapshot(loadWeights(join(dir, 'checkpoint', `gen-${st.gen}.model.safetensors`)).weights),
      );
      opt.setState(loadOptimizer(join(dir, 'checkpoint', `gen-${st.gen}.optimizer.safetensors`), opt.kind));
    } else {
      st = {
        format: 'prunekit/run-state',
        version: 1,
        recipeHash,
        backend,
        round: 0,
        phase: warmupSteps > 0 ? 'warmup' : 'train',
        step: 0,
        directive: { kind: 'restart', fromStep: 0 },
        lastLr: recipe.training.schedule.lr,
        gen: 0,
        metricsCount: 0,
        signsCount: 0,
        trainLoss: Number.NaN,
      };
    }
    // Records after the checkpoint's counts (written before a crash, or a torn last line) are
    // dropped: the run redoes them.
    const metrics = readJsonl(files.metrics, st.metricsCount) as unknown as RoundMetrics[];
    const signRecords = readJsonl(files.signs, st.signsCount);
    const pushMetric = (r: RoundMetrics) => {
      metrics.push(r);
      writeJsonl(files.metrics, metrics);
    };
    const pushSigns = (r: Record<string, unknown>) => {
      signRecords.push(r);
      writeJsonl(files.signs, signRecords);
    };

    const saveAnchor = () => {
      saveWeights(files.anchor, joinSnapshot(m.snapshot()), { kind: 'anchor', step: String(anchorStep) });
      saveOptimizer(files.anchorOpt, opt.state());
    };
    if (anchorStep === 0 && !existsSync(files.anchor)) saveAnchor();

    const checkpoint = (next: Partial<RunState>, tracker?: SignSwitchTracker) => {
      const gen = st.gen + 1;
      saveWeights(join(dir, 'checkpoint', `gen-${gen}.model.safetensors`), joinSnapshot(m.snapshot()), {
        kind: 'checkpoint',
      });
      saveOptimizer(join(dir, 'checkpoint', `gen-${gen}.optimizer.safetensors`), opt.state());
      const { tracker: _old, ...rest } = st;
      st = {
        ...rest,
        ...next,
        gen,
        metricsCount: metrics.length,
        signsCount: signRecords.length,
        ...(tracker ? { tracker: tracker.state() } : {}),
      };
      writeJson(files.state, st);
      for (const f of readdirSync(join(dir, 'checkpoint'))) {
        const g = /^gen-(\d+)\./.exec(f);
        if (g && Number(g[1]) !== gen) rmSync(join(dir, 'checkpoint', f), { force: true });
      }
      emit({ type: 'checkpoint', round: st.round, epoch: Math.floor(st.step / ipe), path: files.state });
    };

    const evalSplits = (): Pick<
      RoundMetrics,
      'testLoss' | 'testAccuracy' | 'validationLoss' | 'validationAccuracy'
    > => {
      const test = evaluate(m, data, 'test', { batchSize: recipe.evaluation.batchSize, loss });
      const out: {
        testLoss: number;
        testAccuracy?: number;
        validationLoss?: number;
        validationAccuracy?: number;
      } = { testLoss: test.loss };
      if (test.accuracy !== undefined) out.testAccuracy = test.accuracy;
      if (data.size('validation') > 0) {
        const v = evaluate(m, data, 'validation', { batchSize: recipe.evaluation.batchSize, loss });
        out.validationLoss = v.loss;
        if (v.accuracy !== undefined) out.validationAccuracy = v.accuracy;
      }
      return out;
    };

    const signRng = createRng(seeds.masks).fork('signs');
    const perturb = recipe.signs.perturb
      ? signPerturbationHook({
          every: Math.max(1, Math.round(toIterations(recipe.signs.perturb.every, ipe) / ipe)),
          probability: recipe.signs.perturb.probability,
        })
      : undefined;

    // ---- the rounds --------------------------------------------------------------------------
    for (let r = st.round; r <= L; r++) {
      const maskFile = roundFile(dir, r, 'mask');
      if (r === 0 && !existsSync(maskFile)) {
        mkdirSync(join(dir, 'rounds', '0'), { recursive: true });
        saveMask(maskFile, Mask.ones(m.params), { round: '0' });
      }
      const mask = loadMask(maskFile);
      mask.assertMatches(m.params, maskFile);
      const density = mask.density();
      if (recipe.signs.fixed && !projection && (recipe.signs.fixed.from === 'init' || r >= 1)) {
        const source =
          recipe.signs.fixed.from === 'init' ? init : splitSnapshot(loadWeights(files.anchor).weights);
        projection = fixedSignProjection(new Map([...source.params].filter(([k]) => mask.has(k))));
      }
      const afterStepProjection: TrainHooks['afterStep'] = projection
        ? () => projection!.apply(m)
        : undefined;

      // Dense warm-up (round 0): linear ramp to the round's LR; the anchor may be inside it.
      if (r === 0 && st.phase === 'warmup') {
        emit({
          type: 'round-start',
          round: 0,
          rounds: L,
          density,
          epochs: Math.ceil(warmupSteps / ipe),
          stepsPerEpoch: ipe,
          phase: 'warmup',
        });
        await trainPhase({
          model: m,
          data,
          optimizer: opt,
          schedule: linearWarmup(recipe.training.schedule.lr, warmupSteps),
          steps: warmupSteps,
          startStep: st.step,
          batchSize: bs,
          dataSeed: seeds.data,
          epochOffset: 0,
          mask,
          augment: recipe.training.augment,
          loss,
          round: 0,
          onEvent: emit,
          hooks: {
            afterStep: (i) => {
              afterStepProjection?.(i);
              if (i.step + 1 === anchorStep) saveAnchor();
            },
            onEpochEnd: (i) => {
              const done = i.step + 1 >= warmupSteps;
              checkpoint(
                done
                  ? { phase: 'train', step: 0, lastLr: i.lr, trainLoss: i.loss }
                  : { step: i.step + 1, lastLr: i.lr, trainLoss: i.loss },
              );
            },
          },
        });
      }

      // The round's training phase, with the schedule the rewind policy chose.
      const { schedule, steps } = phaseSchedule(recipe, st.directive, st.lastLr, roundSteps, ipe);
      const tracker = recipe.signs.track
        ? st.tracker && st.step > 0
          ? SignSwitchTracker.fromState(st.tracker)
          : new SignSwitchTracker().start(m.snapshot().params, mask)
        : undefined;
      if (st.step === 0) {
        emit({
          type: 'round-start',
          round: r,
          rounds: L,
          density,
          epochs: Math.ceil(steps / ipe),
          stepsPerEpoch: ipe,
          phase: 'train',
        });
      }
      const roundStart = performance.now();
      const phase = await trainPhase({
        model: m,
        data,
        optimizer: opt,
        schedule,
        steps,
        startStep: st.step,
        batchSize: bs,
        dataSeed: seeds.data,
        epochOffset: 1000 * (r + 1),
        mask,
        augment: recipe.training.augment,
        loss,
        round: r,
        onEvent: emit,
        hooks: {
          afterStep: (i) => {
            afterStepProjection?.(i);
            if (r === 0 && warmupSteps + i.step + 1 === anchorStep) saveAnchor();
          },
          onEpochEnd: (i) => {
            const epochNo = Math.ceil((i.step + 1) / ipe); // epochs completed in this round
            if (tracker) {
              const f = tracker.observe(epochNo, m.snapshot().params);
              pushSigns({
                type: 'epoch-flips',
                round: r,
                epoch: epochNo,
                flipFraction: f.value,
                flipped: f.flipped,
                perLayer: f.perLayer,
              });
            }
            if (perturb && i.complete && i.step + 1 < steps) {
              const res = perturb.onEpochEnd(epochNo, m, mask, signRng.fork(`round-${r}`));
              if (res) pushSigns({ type: 'perturbation', round: r, epoch: epochNo, flipped: res.flipped });
            }
            if (recipe.evaluation.everyEpoch) {
              const e = evalSplits();
              pushMetric({ type: 'epoch', round: r, epoch: epochNo, density, trainLoss: i.loss, ...e });
              emit({
                type: 'eval',
                round: r,
                epoch: epochNo,
                split: 'test',
                loss: e.testLoss,
                ...(e.testAccuracy === undefined ? {} : { accuracy: e.testAccuracy }),
              });
            }
            checkpoint(
              { round: r, phase: 'train', step: i.step + 1, lastLr: i.lr, trainLoss: i.loss },
              tracker,
            );
          },
        },
      });
      // LR of the round's last step: the phase's, or the checkpoint's when resuming after the phase
      // (a phase that runs no step reports the schedule's LR at its end, one step too far).
      const lastLr = phase.steps > 0 ? phase.lastLr : st.lastLr;
      if (!metrics.some((x) => x.type === 'round' && x.round === r)) {
        // The round's training is over (now, or before a crash that came before its record).
        // Pruned weights are saved as +0: the loop leaves them at ±0 (the sign of their last
        // update), which would make a resumed run differ from an uninterrupted one in the bits of
        // a zero (the optimizer's momentum of pruned weights is zeroed again when a phase restarts).
        const trained = maskSnapshot(m.snapshot(), mask);
        m.restore(trained);
        saveWeights(roundFile(dir, r, 'trained'), joinSnapshot(trained), { round: String(r) });
        const e = evalSplits();
        const record: RoundMetrics = {
          type: 'round',
          round: r,
          density,
          trainLoss: Number.isNaN(phase.lastEpochLoss) ? st.trainLoss : phase.lastEpochLoss,
          ...e,
          layerDensity: mask.layerDensity(),
          seconds: (performance.now() - roundStart) / 1000,
        };
        pushMetric(record);
        emit({
          type: 'round-end',
          round: r,
          density,
          testLoss: e.testLoss,
          ...(e.testAccuracy === undefined ? {} : { testAccuracy: e.testAccuracy }),
        });
        // Sign metrics of the round: vs the anchor, vs the previous round, vs a reference run.
        const anchor = existsSync(files.anchor) ? splitSnapshot(loadWeights(files.anchor).weights) : init;
        const vs = (b: ModelSnapshot): SignReport =>
          flip.compute({ params: m.params, a: b.params, b: trained.params, mask }, resolveOptions(flip, {}));
        const signLine: Record<string, unknown> = {
          type: 'round-signs',
          round: r,
          density,
          flipVsAnchor: summarizeReport(vs(anchor)),
        };
        if (r > 0)
          signLine.flipVsPrevious = summarizeReport(
            vs(splitSnapshot(loadWeights(roundFile(dir, r - 1, 'trained')).weights)),
          );
        if (recipe.signs.reference) {
          const ref = openRun(recipe.signs.reference);
          if (ref.lastRound() >= r)
            signLine.flipVsReference = summarizeReport(vs(await ref.weights(r, 'trained')));
        }
        if (tracker) signLine.switches = tracker.summary();
        pushSigns(signLine);
        checkpoint({ round: r, phase: 'train', step: steps, lastLr, trainLoss: record.trainLoss });
      }
      if (r === L) break;

      // Prune → rewind → re-mask, producing round r+1.
      const trained = splitSnapshot(loadWeights(roundFile(dir, r, 'trained')).weights);
      m.restore(trained);
      const target: PruneTarget =
        recipe.pruning.density !== undefined
          ? { kind: 'density', density: recipe.pruning.density ** ((r + 1) / L) }
          : { kind: 'fraction', fraction: recipe.pruning.fraction };
      const ctx: MaskContext = {
        params: m.params,
        weights: trained.params,
        mask,
        round: r + 1,
        target,
        rng: createRng(seeds.masks).fork(`masks/${r + 1}`),
        model: m,
        batches: () =>
          data.batches('train', {
            batchSize: bs,
            seed: seeds.data,
            epoch: 999_999,
            augment: false,
            shuffle: true,
          }),
        loss,
        runs: openRun,
      };
      const next = await strategy.prune(ctx, strategyOptions);
      next.assertMatches(m.params, `the mask from '${strategy.name}'`);
      if (!next.isSubsetOf(mask)) {
        throw new PruneError(
          'E_MASK',
          `mask strategy '${strategy.name}' returned a mask that regrows pruned weights in round ${r + 1}`,
          {
            hint: 'a new mask must lie inside the current one',
          },
        );
      }
      m.restore(trained); // gradient-based strategies may have touched the live model
      mkdirSync(join(dir, 'rounds', String(r + 1)), { recursive: true });
      saveMask(roundFile(dir, r + 1, 'mask'), next, { round: String(r + 1), strategy: strategy.name });
      emit({ type: 'prune', round: r + 1, density: next.density(), layerDensity: next.layerDensity() });
      const anchorSnap = splitSnapshot(loadWeights(files.anchor).weights);
      const result = await rewind.apply({
        params: m.params,
        mask: next,
        round: r,
        trained,
        anchor: anchorSnap,
        init,
        optimizer: { trained: opt.state(), anchor: loadOptimizer(files.anchorOpt, opt.kind) },
        anchorStep,
        rng: createRng(seeds.masks).fork(`rewind/${r + 1}`),
        initialize: (seed) => {
          const fresh = createModel(modelFactory, modelOptions, seed, 'model.options');
          try {
            return fresh.snapshot();
          } finally {
            fresh.dispose();
          }
        },
        runs: openRun,
      });
      m.restore(maskSnapshot(result.weights, next));
      if (result.optimizer) opt.setState(result.optimizer);
      else opt.reset();
      const rewound = m.snapshot();
      saveWeights(roundFile(dir, r + 1, 'rewound'), joinSnapshot(rewound), {
        round: String(r + 1),
        rewind: rewind.description,
      });
      pushSigns({
        type: 'rewind',
        round: r + 1,
        policy: rewind.description,
        flipVsTrained: summarizeReport(
          flip.compute(
            { params: m.params, a: trained.params, b: rewound.params, mask: next },
            resolveOptions(flip, {}),
          ),
        ),
      });
      checkpoint({ round: r + 1, phase: 'train', step: 0, directive: result.schedule, lastLr });
    }

    writeSummaryCsv(dir, metrics, signRecords);
    const result: RunResult = {
      runId: id,
      dir,
      rounds: metrics.filter((x) => x.type === 'round'),
      seconds: (performance.now() - t0) / 1000,
      backend,
    };
    writeJson(join(dir, RUN_FILES.done), result);
    emit({ type: 'run-end', runId: id, dir, seconds: result.seconds });
    return result;
  } finally {
    projection?.dispose();
    optimizer?.dispose();
    model?.dispose();
    release();
  }
}

/**
 * Run directories a recipe refers to, with their fields: `signs.reference`, and every string
 * option called `reference` or `run` of the mask strategy, rewind policy and modifiers (the
 * convention of the built-ins `from-run`, `random-matched` and `with-signs`).
 */
function crossRunReferences(recipe: Recipe): [string, string][] {
  const out: [string, string][] = [];
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, `${path}.${i}`);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'reference' || k === 'run') && typeof x === 'string') out.push([`${path}.${k}`, x]);
        else walk(x, `${path}.${k}`);
      }
    }
  };
  if (recipe.signs.reference) out.push(['signs.reference', recipe.signs.reference]);
  walk(recipe.pruning.strategy.options, 'pruning.strategy.options');
  walk(recipe.rewind.policy.options, 'rewind.policy.options');
  recipe.rewind.modifiers.forEach((m, i) => {
    walk(m.options, `rewind.modifiers.${i}.options`);
  });
  return out;
}

/** The model must take the dataset's inputs, give its number of outputs, and solve its kind of task. */
function checkFits(m: PrunableModel, data: Dataset, recipe: Recipe): void {
  const what = `model '${recipe.model.name}' and dataset '${recipe.dataset.name}'`;
  if (m.task !== data.task) {
    throw new PruneError(
      'E_RECIPE',
      `${what} do not fit: the model is for ${m.task}, the dataset is a ${data.task} task`,
      {
        hint:
          m.task === 'classification'
            ? "use a regression model such as 'single-neuron'"
            : 'use a classification model such as mlp',
        where: 'model.name',
      },
    );
  }
  if (sizeOf(m.inputShape) !== sizeOf(data.inputShape)) {
    throw new PruneError(
      'E_SHAPE',
      `${what} do not fit: the model takes inputs of shape [${m.inputShape}], the dataset gives [${data.inputShape}]`,
      {
        hint: `set the model's input shape in model.options to [${data.inputShape}]`,
        where: 'model.options',
      },
    );
  }
  if (m.outputSize !== data.outputSize) {
    throw new PruneError(
      'E_SHAPE',
      `${what} do not fit: the model has ${m.outputSize} outputs, the dataset needs ${data.outputSize}`,
      {
        hint: `set model.options.classes to ${data.outputSize} (or the model's output option)`,
        where: 'model.options',
      },
    );
  }
}

function named<T>(get: () => T, field: string): T {
  try {
    return get();
  } catch (e) {
    if (e instanceof PruneError)
      throw new PruneError(e.code, `${field}: ${e.message}`, { cause: e, where: field });
    throw e;
  }
}

function phaseSchedule(
  recipe: Recipe,
  d: ScheduleDirective,
  lastLr: number,
  roundSteps: number,
  ipe: number,
): { schedule: LrSchedule; steps: number } {
  if (d.kind === 'restart') {
    const from = Math.min(d.fromStep, roundSteps - 1);
    return {
      schedule: offset(roundSchedule(recipe.training.schedule, roundSteps), from),
      steps: roundSteps - from,
    };
  }
  const lr = d.lr === 'last' ? lastLr : d.lr;
  const steps = d.length ? Math.max(1, toIterations(parseStep(d.length), ipe)) : roundSteps;
  return { schedule: constant(lr), steps };
}

function maskSnapshot(s: ModelSnapshot, mask: Mask): ModelSnapshot {
  const params = new Map(s.params);
  for (const [name, m] of mask.entries()) {
    const w = params.get(name);
    if (!w) continue;
    const data = new Float32Array(w.data.length);
    for (let i = 0; i < data.length; i++) data[i] = m.data[i] ? w.data[i]! : 0;
    params.set(name, { shape: w.shape, data });
  }
  return { params, state: s.state };
}

function summarizeReport(r: SignReport): { value: number; perLayer: Readonly<Record<string, number>> } {
  return { value: r.value, perLayer: r.perLayer };
}

function saveOptimizer(path: string, s: OptimizerState): void {
  saveWeights(path, s.slots, { kind: 'optimizer', optimizer: s.kind, step: String(s.step) });
}

function loadOptimizer(path: string, kind: string): OptimizerState {
  const { weights, metadata } = loadWeights(path);
  return { kind: metadata.optimizer ?? kind, step: Number(metadata.step ?? 0), slots: weights };
}

function writeSummaryCsv(
  dir: string,
  metrics: readonly RoundMetrics[],
  signs: readonly Record<string, unknown>[],
): void {
  const header = [
    'round',
    'density',
    'test_accuracy',
    'test_loss',
    'validation_accuracy',
    'train_loss',
    'flip_vs_anchor',
    'flip_vs_previous',
  ];
  const rows = metrics
    .filter((m) => m.type === 'round')
    .map((m) => {
      const s = signs.find((x) => x.type === 'round-signs' && x.round === m.round) as
        | { flipVsAnchor?: { value: number }; flipVsPrevious?: { value: number } }
        | undefined;
      return [
        m.round,
        m.density,
        m.testAccuracy ?? '',
        m.testLoss,
        m.validationAccuracy ?? '',
        m.trainLoss,
        s?.flipVsAnchor?.value ?? '',
        s?.flipVsPrevious?.value ?? '',
      ]
        .map((v) => (typeof v === 'number' ? String(Number(v.toPrecision(8))) : v))
        .join(',');
    });
  writeFileAtomic(join(dir, RUN_FILES.summary), `${header.join(',')}\n${rows.join('\n')}\n`);
}
