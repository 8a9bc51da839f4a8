import { z } from 'zod';

/**
 * A face stage's `settle` option: `false` (sample every track up to maxSamples) or the criteria that stop
 * sampling a track early. Every criterion has a default, so `{}` (the default of the option) takes them all.
 */
export function settleSchema<Shape extends Record<string, z.ZodDefault>>(
  criteria: Shape,
  description: string,
) {
  const criteriaSchema = z.strictObject(criteria);
  // `{}` is a valid input because every field has a default; TypeScript cannot see that through the generic.
  const allDefaults = {} as z.input<typeof criteriaSchema>;
  return z
    .union([z.literal(false), criteriaSchema])
    .prefault(allDefaults)
    .describe(description);
}
