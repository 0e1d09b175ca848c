import { type LrSchedule, PruneError } from '@prunekit/core';

function check(name: string, value: number, min = 0): void {
  if (!Number.isFinite(value) || value < min) {
    throw new PruneError('E_RECIPE', `${name} must be a finite number ≥ ${min}, got ${value}`);
  }
}

/**
 * A constant learning rate.
 *
 * @example
 * ```ts
 * constant(0.1).lr(1000); // 0.1
 * ```
 */
export function constant(lr: number): LrSchedule {
  check('lr', lr);
  return { description: `constant ${lr}`, lr: () => lr };
}

/**
 * Step drops: `lr` multiplied by `factor` at each milestone step (e.g. ×0.1 at 50% and 75%).
 *
 * @example
 * ```ts
 * const s = stepDrops(0.1, [100, 150], 0.1);
 * s.lr(99);  // 0.1
 * s.lr(100); // 0.01 (up to float rounding)
 * ```
 */
export function stepDrops(lr: number, milestones: readonly number[], factor = 0.1): LrSchedule {
  check('lr', lr);
  check('factor', factor);
  const ms = [...milestones].sort((a, b) => a - b);
  return {
    description: `step ${lr} ×${factor} at [${ms.join(', ')}]`,
    lr: (step) => lr * factor ** ms.filter((m) => step >= m).length,
  };
}

/**
 * Cosine annealing from `from` to a floor `to` over `steps` steps (then stays at `to`):
 * lr(t) = to + (from − to)·(1 + cos(π·t/steps))/2. The paper: 0.1 → 0.01 over each round.
 *
 * @example
 * ```ts
 * const s = cosine(0.1, 0.01, 100);
 * s.lr(0);   // 0.1
 * s.lr(50);  // 0.055
 * s.lr(100); // 0.01
 * ```
 */
export function cosine(from: number, to: number, steps: number): LrSchedule {
  check('cosine from', from);
  check('cosine to', to);
  check('cosine steps', steps, 1);
  return {
    description: `cosine ${from} → ${to} over ${steps} steps`,
    lr: (step) => {
      const t = Math.min(Math.max(step, 0), steps);
      return to + ((from - to) * (1 + Math.cos((Math.PI * t) / steps))) / 2;
    },
  };
}

/**
 * Linear warm-up from `from` (default 0) to `to` over `steps` steps, then constant `to`.
 * Step t uses (t+1)/steps of the way, so the first step already trains (as common code does).
 *
 * @example
 * ```ts
 * const s = linearWarmup(0.1, 10);
 * s.lr(0); // 0.01
 * s.lr(9); // 0.1
 * ```
 */
export function linearWarmup(to: number, steps: number, from = 0): LrSchedule {
  check('warm-up lr', to);
  check('warm-up steps', steps, 1);
  return {
    description: `linear warm-up ${from} → ${to} over ${steps} steps`,
    lr: (step) => (step >= steps ? to : from + ((to - from) * (step + 1)) / steps),
  };
}

/**
 * Phases one after another: each `[schedule, length]` runs for `length` steps with its own step
 * counter starting at 0; the last one continues forever.
 *
 * @example
 * ```ts
 * const s = sequence([[linearWarmup(0.1, 10), 10], [cosine(0.1, 0.01, 90), 90]]);
 * ```
 */
export function sequence(phases: ReadonlyArray<readonly [LrSchedule, number]>): LrSchedule {
  if (phases.length === 0) throw new PruneError('E_RECIPE', 'sequence() needs at least one phase');
  return {
    description: phases.map(([s, n]) => `${s.description} (${n} steps)`).join(', then '),
    lr: (step) => {
      let start = 0;
      for (let i = 0; i < phases.length; i++) {
        const [s, n] = phases[i]!;
        if (step < start + n || i === phases.length - 1) return s.lr(step - start);
        start += n;
      }
      return phases[phases.length - 1]![0].lr(step - start);
    },
  };
}

/**
 * Start a schedule at step `k` (weight rewinding to step k replays the schedule from k).
 *
 * @example
 * ```ts
 * offset(cosine(0.1, 0.01, 100), 20).lr(0); // the cosine's value at step 20
 * ```
 */
export function offset(schedule: LrSchedule, k: number): LrSchedule {
  check('offset', k);
  if (k === 0) return schedule;
  return { description: `${schedule.description}, from step ${k}`, lr: (step) => schedule.lr(step + k) };
}

/** A schedule spec as written in recipes. */
export type ScheduleSpec =
  | { readonly kind: 'constant'; readonly lr: number }
  | { readonly kind: 'cosine'; readonly lr: number; readonly min?: number }
  | {
      readonly kind: 'step';
      readonly lr: number;
      readonly milestones: readonly number[];
      readonly factor?: number;
    };

/**
 * Build the per-round schedule of a recipe spec over `steps` steps. Step milestones are given
 * as fractions of the round (0..1), so they scale with the round length.
 *
 * @example
 * ```ts
 * roundSchedule({ kind: 'cosine', lr: 0.1, min: 0.01 }, 1000);
 * ```
 */
export function roundSchedule(spec: ScheduleSpec, steps: number): LrSchedule {
  switch (spec.kind) {
    case 'constant':
      return constant(spec.lr);
    case 'cosine':
      return cosine(spec.lr, spec.min ?? 0, Math.max(1, steps));
    case 'step':
      return stepDrops(
        spec.lr,
        spec.milestones.map((m) => Math.round(m * steps)),
        spec.factor ?? 0.1,
      );
  }
}
