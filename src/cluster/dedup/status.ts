/**
 * What the dedup queue holds: batches per state, and per worker (from the results workers stored), read
 * from pg-boss's tables. For `pipeline cluster status`.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { DEDUP_QUEUE } from './queue';

/** Batch counts of the dedup queue. */
export interface DedupQueueStatus {
  /** False when pg-boss's schema is not in the database (no cluster job ever ran there). */
  installed: boolean;
  /** Batches by pg-boss state: created, retry, active, completed, failed, cancelled. */
  states: Record<string, number>;
  /** Finished batches by the worker that ran them, with the last one's completion time. */
  workers: { worker: string; completed: number; lastCompletedAt: Date | null }[];
}

/** The dedup queue's batches per state and per worker (`db`: any Kysely on the cluster's database). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function dedupQueueStatus(db: Kysely<any>): Promise<DedupQueueStatus> {
  const installed = await sql<{
    found: boolean;
  }>`SELECT to_regclass('pgboss.job') IS NOT NULL AS found`.execute(db);
  if (!installed.rows[0]?.found) return { installed: false, states: {}, workers: [] };
  const states = await sql<{ state: string; n: string }>`
    SELECT state::text AS state, count(*) AS n FROM pgboss.job WHERE name = ${DEDUP_QUEUE} GROUP BY state`.execute(
    db,
  );
  const workers = await sql<{ worker: string; n: string; last: Date | null }>`
    SELECT output->>'worker' AS worker, count(*) AS n, max(completed_on) AS last
      FROM pgboss.job WHERE name = ${DEDUP_QUEUE} AND state = 'completed' AND output ? 'worker'
     GROUP BY 1 ORDER BY 1`.execute(db);
  return {
    installed: true,
    states: Object.fromEntries(states.rows.map((r) => [r.state, Number(r.n)])),
    workers: workers.rows.map((r) => ({ worker: r.worker, completed: Number(r.n), lastCompletedAt: r.last })),
  };
}
