/**
 * Cluster mode of a dedup job (`dedup[].cluster`, `pipeline dedup --cluster`): the job's feature batches
 * and blocks of candidate pairs go to a pg-boss queue in the job's PostgreSQL database, where
 * `pipeline worker` processes on any host take them. Requires `database.url` (PGlite is one process).
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();

export const dedupClusterSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Queue the job for `pipeline worker` processes'),
    work: z
      .boolean()
      .default(true)
      .describe('The coordinating process also takes batches (its own hash pool), besides waiting'),
    filesPerBatch: positiveInt
      .default(16)
      .describe(
        'Files per feature batch (one queue job); larger batches pay the queue round trip less often',
      ),
    batchesInFlight: positiveInt
      .default(16)
      .describe('Queue jobs the coordinator keeps outstanding per stage (bounds its memory and the queue)'),
    expireSeconds: positiveInt
      .default(120)
      .describe(
        'A batch still active this long after a worker took it counts as lost (its worker was killed) and is retried elsewhere; must exceed the slowest batch',
      ),
    retryLimit: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe('Retries of a failed or expired batch before it is reported as failed'),
  })
  .describe('Spread the job over `pipeline worker` processes through a queue in PostgreSQL');

export type DedupClusterSettings = z.infer<typeof dedupClusterSchema>;
