import { PruneError } from './errors.js';

/** A training length: `"150ep"` (epochs) or `"500it"` (iterations). */
export type StepString = `${number}ep` | `${number}it`;

/** A parsed training length. */
export interface Step {
  readonly unit: 'ep' | 'it';
  readonly value: number;
}

/**
 * Parse `"150ep"`, `"500it"` or a plain number (epochs). Fractional epochs are allowed
 * (`"0.5ep"`); iterations must be whole.
 *
 * @example
 * ```ts
 * parseStep('150ep'); // { unit: 'ep', value: 150 }
 * parseStep('500it'); // { unit: 'it', value: 500 }
 * ```
 */
export function parseStep(input: string | number | Step, field = 'step'): Step {
  if (typeof input === 'object' && input !== null) return parseStep(formatStep(input), field);
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      throw new PruneError(
        'E_RECIPE',
        `${field}: expected a length ≥ 0 like "150ep" or "500it", got ${input}`,
      );
    }
    return { unit: 'ep', value: input };
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ep|it)\s*$/.exec(String(input));
  if (!m) {
    throw new PruneError(
      'E_RECIPE',
      `${field}: cannot read '${input}' as a training length; write epochs as "150ep" or iterations as "500it"`,
    );
  }
  const value = Number(m[1]);
  const unit = m[2] as 'ep' | 'it';
  if (unit === 'it' && !Number.isInteger(value)) {
    throw new PruneError('E_RECIPE', `${field}: iterations must be whole, got '${input}'`);
  }
  return { unit, value };
}

/**
 * Write a step back as a string.
 *
 * @example
 * ```ts
 * formatStep({ unit: 'it', value: 500 }); // "500it"
 * ```
 */
export function formatStep(step: Step): StepString {
  return `${step.value}${step.unit}` as StepString;
}

/**
 * Convert a step to iterations given the iterations per epoch (rounded to the nearest whole
 * iteration for fractional epochs).
 *
 * @example
 * ```ts
 * toIterations('2ep', 235); // 470
 * ```
 */
export function toIterations(step: string | number | Step, itersPerEpoch: number): number {
  const s = parseStep(step);
  return s.unit === 'it' ? s.value : Math.round(s.value * itersPerEpoch);
}
