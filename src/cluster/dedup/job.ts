/**
 * A dedup job spread over a cluster: the same job (src/pipelines/dedup/job.ts, the same stages) with its
 * feature batches and blocks of candidate pairs sent to the dedup queue ({@link queuePool}). This
 * process scans, finds exact duplicates, plans candidates, groups, reports and acts exactly as a
 * single-process job does; `pipeline worker` processes (and this one, unless `cluster.work` is false) do
 * the features and the verification. The feature cache and the stored pair decisions are in the shared
 * database, as for any job with a PostgreSQL database.
 */
import { dedupClusterSchema, type DedupClusterSettings } from '../../config/schema/dedup-cluster';
import { runDedupJob, type DedupJobOptions, type DedupJobResult } from '../../pipelines/dedup/job';
import { logger } from '../../util/logger';
import { openDedupQueue } from './queue';
import { queuePool } from './queue-pool';
import { serveDedupQueue, type ServeOptions } from './serve';

/** Options of {@link runClusterDedupJob}: a job's options (its `pool` is the local one) and the cluster's. */
export interface ClusterDedupJobOptions extends DedupJobOptions {
  /** PostgreSQL URL of the shared database (the one `db` is open on). */
  url: string;
  cluster?: Partial<DedupClusterSettings>;
  /** Options of this process's own serving slots (when `cluster.work`). */
  serve?: ServeOptions;
  /** How often pg-boss looks for expired batches (default 10 s). */
  maintenanceSeconds?: number;
}

/** Thrown when a cluster job is asked for without a PostgreSQL database. */
export class ClusterDatabaseError extends Error {
  constructor(what: string) {
    super(
      `${what}: cluster mode needs a PostgreSQL database (database.url or --db-url); PGlite serves one process`,
    );
    this.name = 'ClusterDatabaseError';
  }
}

/** Runs one dedup job with its features and verification done by the cluster's workers. */
export async function runClusterDedupJob(options: ClusterDedupJobOptions): Promise<DedupJobResult> {
  const { url, cluster: clusterInput, serve, maintenanceSeconds, ...job } = options;
  if (!url) throw new ClusterDatabaseError(`dedup job ${job.jobId ?? job.root}`);
  const cluster = dedupClusterSchema.parse({ ...clusterInput, enabled: true });
  const log = logger().child({ pipeline: 'dedup-cluster', job: job.jobId });
  const boss = await openDedupQueue(url, { maintenanceSeconds });
  const pool = queuePool(job.pool, boss, {
    root: job.root,
    batchesInFlight: cluster.batchesInFlight,
    expireSeconds: cluster.expireSeconds,
    retryLimit: cluster.retryLimit,
  });
  const serving = cluster.work ? await serveDedupQueue(boss, job.pool, serve) : undefined;
  log.info({ ...cluster, worker: serving?.workerId }, 'dedup job queued on the cluster');
  try {
    return await runDedupJob({
      ...job,
      pool,
      featureBatch: job.featureBatch ?? cluster.filesPerBatch * cluster.batchesInFlight,
    });
  } finally {
    pool.close();
    await serving?.stop();
    await boss.stop({ graceful: true, wait: true, timeout: 30_000 }).catch((err: unknown) => {
      log.warn({ err }, `stopping the dedup queue: ${(err as Error).message}`);
    });
  }
}
