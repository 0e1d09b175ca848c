import { parseStep, type StepString, z } from '@prunekit/core';

/**
 * A zod schema for a training length written as `"2ep"` or `"500it"` (see `parseStep`), typed as
 * `StepString`. Shared by the policies' option schemas.
 *
 * @example
 * ```ts
 * stepStringSchema.parse('2ep');   // '2ep'
 * stepStringSchema.safeParse('2 epochs').success; // false
 * ```
 */
export const stepStringSchema = z
  .string()
  .refine(
    (value) => {
      if (value.trim() !== value) return false;
      try {
        parseStep(value);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'expected a training length like "0it", "500it" or "2ep"' },
  )
  .describe('a training length: "500it" (iterations) or "2ep" (epochs)') as unknown as z.ZodType<
  StepString,
  StepString
>;
