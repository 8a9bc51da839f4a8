import { z } from 'zod';

/**
 * One dedup job. Owned by the dedup work (issue 5); this is the starting shape.
 */
export const dedupJobSchema = z
  .object({
    id: z.string().min(1).describe('Job id'),
    root: z.string().min(1).describe('Directory to scan'),
    out: z.string().optional().describe('Report directory'),
  })
  .describe('A dedup job');

export type DedupJobConfig = z.infer<typeof dedupJobSchema>;
