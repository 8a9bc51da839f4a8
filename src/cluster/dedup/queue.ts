/**
 * The dedup cluster's queue: one pg-boss queue (`rxvision-dedup`) in the job's PostgreSQL database, in
 * pg-boss's own schema (`pgboss`). pg-boss gives each batch to one worker (`FOR UPDATE SKIP LOCKED`), marks
 * a batch whose worker vanished as failed once it expires (maintenance, which one process at a time runs)
 * and retries it, up to a limit. pg-boss loads on first use (`require('rxvision')` does not load it).
 */
import type PgBoss from 'pg-boss';
import type { HashWorkerApi } from '../../pools/kinds';
import { logger } from '../../util/logger';
import { redactUrl } from '../../util/redact';

/** The queue every coordinator sends to and every `pipeline worker` takes from. */
export const DEDUP_QUEUE = 'rxvision-dedup';

/** Worker methods a queued batch may name: the feature extraction and pair verification kernels. */
export const QUEUED_METHODS = ['featuresBatch', 'features', 'verifyPairs'] as const;
export type QueuedMethod = (typeof QUEUED_METHODS)[number] & keyof HashWorkerApi;

/** The data of one queued batch. */
export interface BatchJobData {
  method: QueuedMethod;
  /** The job's root: a worker checks it exists at the same path (shared mount) before it starts. */
  root: string;
  /** What the batch is, for logs and status (e.g. "a.jpg (+15 more)"). */
  identity?: string;
  /** The method's arguments, `v8.serialize`d (feature records carry typed arrays), base64. */
  args: string;
}

/** The output of a completed batch. */
export interface BatchJobOutput {
  /** The worker that ran it (`host:pid`). */
  worker: string;
  /** The method's result, `v8.serialize`d, base64. */
  result: string;
}

/** Queue settings that are the cluster's, not one job's. */
export interface DedupQueueOptions {
  /** How often expired batches are looked for (pg-boss maintenance); default 10 s. */
  maintenanceSeconds?: number;
}

/** Opens pg-boss on `url` (installs or upgrades its schema) and makes sure the queue exists. */
export async function openDedupQueue(url: string, options: DedupQueueOptions = {}): Promise<PgBoss> {
  const { default: PgBossClass } = await import('pg-boss');
  const boss = new PgBossClass({
    connectionString: url,
    application_name: 'rxvision-dedup',
    max: 4,
    maintenanceIntervalSeconds: options.maintenanceSeconds ?? 10,
    // rxvision does not schedule cron jobs; the clock monitor would only add queries.
    schedule: false,
  });
  const log = logger().child({ pipeline: 'dedup-cluster' });
  boss.on('error', (err) => log.warn({ err }, `dedup queue (${redactUrl(url)}): ${err.message}`));
  try {
    await boss.start();
    if (!(await boss.getQueue(DEDUP_QUEUE))) await boss.createQueue(DEDUP_QUEUE);
  } catch (err) {
    await boss.stop({ graceful: false, wait: false }).catch(() => undefined);
    throw new Error(`dedup queue at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  return boss;
}
