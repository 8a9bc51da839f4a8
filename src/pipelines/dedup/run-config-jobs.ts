/**
 * Runs the `dedup` jobs of a loaded config one after the other (what `pipeline run` does for them), on one
 * database connection and the shared `hash` pool. Printing is the caller's business: each job's outcome
 * goes to `onJobEnd` and all of them are returned.
 */
import path from 'node:path';
import type { RxvisionConfig } from '../../config';
import type { DedupJobConfig } from '../../config/schema/dedup';
import { dedupSettingsSchema, type DedupSettings } from '../../config/schema/dedup-settings';
import { openDatabase, type Database } from '../../db';
import type { WorkerPool } from '../../pools';
import { hashPool, type HashWorkerApi } from '../../pools/kinds';
import { logger, type Logger } from '../../util/logger';
import { runClusterDedupJob, ClusterDatabaseError } from '../../cluster/dedup/job';
import { runDedupJob, type DedupJobOptions, type DedupJobResult } from './job';
import type { ProgressListener } from './progress';
import { selfExcludes } from './self-excludes';

/** How one config job ended. */
export type ConfigJobOutcome =
  | { job: DedupJobConfig; status: 'done'; settings: DedupSettings; result: DedupJobResult }
  | { job: DedupJobConfig; status: 'failed'; settings: DedupSettings; error: Error }
  /** The stop signal came before the job started. */
  | { job: DedupJobConfig; status: 'skipped' };

/** Options of {@link runConfigDedupJobs}. */
export interface ConfigJobsOptions {
  /**
   * Graceful stop: the running job stops early (see `DedupJobOptions.signal`) and the jobs not started
   * yet are skipped.
   */
  signal?: AbortSignal;
  /** Overrides the shared `hash` worker pool. */
  pool?: WorkerPool<HashWorkerApi>;
  /** Called before each job starts; may return the job's progress listener (e.g. progress bars). */
  onJobStart?: (job: DedupJobConfig) => ProgressListener | undefined;
  /** Called when each job ended, failed or was skipped. */
  onJobEnd?: (outcome: ConfigJobOutcome) => void;
  log?: Logger;
}

/**
 * Runs every dedup job of `config` in order. A failing job is logged and reported as `failed`; the next
 * one still runs. Rejects only when the database cannot be opened or migrated (`DatabaseError`).
 */
export async function runConfigDedupJobs(
  config: RxvisionConfig,
  options: ConfigJobsOptions = {},
): Promise<ConfigJobOutcome[]> {
  const jobs = config.dedup ?? [];
  if (jobs.length === 0) return [];
  const log = options.log ?? logger();
  const database = await openDatabase(config.database ?? {});
  const outcomes: ConfigJobOutcome[] = [];
  try {
    await database.migrate();
    const pool = options.pool ?? hashPool();
    for (const job of jobs) {
      const outcome = await runOneJob(job, database, pool, options, log, config.database?.url);
      outcomes.push(outcome);
      options.onJobEnd?.(outcome);
      // After onJobEnd, which stops the job's progress bars, so the line is not drawn over.
      if (outcome.status === 'failed')
        log.error(
          { job: job.id, err: outcome.error },
          `dedup job ${job.id} failed: ${outcome.error.message}`,
        );
    }
    return outcomes;
  } finally {
    await database.close();
  }
}

async function runOneJob(
  job: DedupJobConfig,
  database: Database,
  pool: WorkerPool<HashWorkerApi>,
  options: ConfigJobsOptions,
  log: Logger,
  url: string | undefined,
): Promise<ConfigJobOutcome> {
  if (options.signal?.aborted) {
    log.warn({ job: job.id }, `dedup job ${job.id} not started: stopping`);
    return { job, status: 'skipped' };
  }
  const settings = job.settings ?? dedupSettingsSchema.parse({});
  const onProgress = options.onJobStart?.(job);
  try {
    const jobOptions: DedupJobOptions = {
      root: job.root,
      out: job.out,
      pool,
      db: database.db,
      jobId: job.id,
      settings,
      scan: {
        include: job.include,
        exclude: [
          ...(job.exclude ?? []),
          ...selfExcludes(path.resolve(job.root), [job.out, settings.actions.targetDir]),
        ],
        followSymlinks: job.scan?.followSymlinks,
      },
      onProgress,
      signal: options.signal,
    };
    let result: DedupJobResult;
    if (!job.cluster?.enabled) result = await runDedupJob(jobOptions);
    else if (!url) throw new ClusterDatabaseError(`dedup job ${job.id}`);
    else result = await runClusterDedupJob({ ...jobOptions, url, cluster: job.cluster });
    return { job, status: 'done', settings, result };
  } catch (err) {
    return { job, status: 'failed', settings, error: err instanceof Error ? err : new Error(String(err)) };
  }
}
