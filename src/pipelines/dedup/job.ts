/**
 * One dedup job end to end, as one Observable of events composed of stage operators (stages/, one file
 * each): scan -> exact (stage 0: size, then content hash) -> features (hash worker pool; one
 * representative per exact group, fresh cached rows reused) -> candidates -> verify (in the pool) ->
 * group -> report -> act. Files stream through bounded stages (pullFrom -> inPool); a stage that needs
 * the whole set says so with `toArray()`. Per image only scan metadata and the feature summary (hashes,
 * digest) are held, never pixels. With a feature cache, colour signatures and thumbnails go to the cache
 * (through the typed sink) as they are computed, and verification reads them back per chunk of pairs
 * into a bounded working set; without one, the full records (a few kB per image) stay in memory until
 * verification ends.
 *
 * Re-runs: unchanged files contribute only the light columns of their cache rows (hashes, dimensions,
 * feature digest); candidate pairs whose decision is stored (`dedup_pairs`) are not verified again, so
 * an unchanged collection under unchanged settings costs a scan, cache lookups and the grouping.
 */
import {
  catchError,
  defer,
  filter,
  finalize,
  lastValueFrom,
  map,
  merge,
  of,
  tap,
  throwError,
  type Observable,
} from 'rxjs';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types';
import type { WorkerPool } from '../../pools';
import type { HashWorkerApi } from '../../pools/kinds';
import type { ActionOutcome } from './actions';
import type { DetectStats } from './detect';
import type { HashBatchLimits } from './exact';
import type { ProgressListener } from './progress';
import { buildReport, type DedupReport } from './report/model';
import type { ScanOptions } from './scan';
import type { DedupSettings } from '../../config/schema/dedup-settings';
import type { ScanError } from '../../kernels/features/types';
import { JobContext, JobStopped, type DedupEvent, type DedupJobDeps } from './stages/context';
import { scanStage } from './stages/scan';
import { exactStage } from './stages/exact';
import { featuresStage } from './stages/features';
import { candidatesStage } from './stages/candidates';
import { verifyStage } from './stages/verify';
import { groupStage } from './stages/group';
import { reportStage } from './stages/report';
import { actStage } from './stages/act';

export { HASH_BATCH } from './stages/exact';
export type { DedupEvent, DedupJobDeps } from './stages/context';

/** Options of {@link runDedupJob}. */
export interface DedupJobOptions {
  root: string;
  /** Report folder: report.json, report.csv, report.html and (for confirmed actions) undo.jsonl. */
  out?: string;
  scan?: ScanOptions;
  settings?: Partial<DedupSettings>;
  /** A pool running dist/workers/hash.js. */
  pool: WorkerPool<HashWorkerApi>;
  /** Database for the feature cache (dedup_features) and the result rows (dedup_runs/groups/members). */
  db?: Kysely<DB>;
  /** Read and write the feature cache (default true when `db` is given). */
  cache?: boolean;
  /** Write the run's result rows (default true when `db` is given). */
  saveResults?: boolean;
  /** Names the run in result rows, logs and metrics (default: the root folder's name). */
  jobId?: string;
  /** Progress callback: throttled events per stage with counts, rate and ETA. */
  onProgress?: ProgressListener;
  /**
   * Paths per cache query / upsert (default `SINK_BATCH_DEFAULTS.rows`, 200; verification reads feature
   * data 1,000 paths per query unless this is set).
   */
  dbBatchSize?: number;
  /**
   * Overrides `settings.verify.workingSet`: images whose feature data verification holds at most (see
   * `DetectOptions.workingSet`). Applies with a feature cache: without one (`cache: false` or no `db`)
   * every computed feature record stays in memory until verification ends, as there is nowhere else
   * to read it back from (a few kB per image).
   */
  workingSet?: number;
  /**
   * Files whose features are requested from the pool at once (default: the auto-configured
   * `batches.dedupFeatures`, 8 per hash worker within what memory allows; see src/pools/autoconfig.ts).
   */
  featureBatch?: number;
  /** Files per pool call when stage 0 hashes file contents (default {@link HASH_BATCH}). */
  hashBatch?: HashBatchLimits;
  /**
   * Stops the job early (graceful shutdown): scanning stops, no new file is hashed or decoded, tasks in
   * flight finish and their feature rows are written to the cache; verification (between batches of
   * pairs), actions, reports and result rows are skipped, and the result says `interrupted`.
   */
  signal?: AbortSignal;
}

/** What a job did. */
export interface DedupJobResult {
  /** Id of the run's rows in dedup_runs (when results were saved). */
  runId?: string;
  /** True when `signal` stopped the job before its actions: the report then has no groups. */
  interrupted: boolean;
  report: DedupReport;
  scanErrors: ScanError[];
  outcomes: ActionOutcome[];
  stats: {
    files: number;
    exactGroups: number;
    featuresComputed: number;
    featuresCached: number;
    /** Cache rows removed because their file no longer exists. */
    featuresPruned: number;
    /** Stored pair decisions removed because no cached file has those features any more. */
    pairsPruned: number;
    groups: number;
    duplicates: number;
    skipped: number;
    reclaimableBytes: number;
    elapsedMs: number;
  } & DetectStats;
}

/** What a job does, without its dependencies (see {@link DedupJobDeps}): the serialisable part of the options. */
export type DedupJobSpec = Omit<DedupJobOptions, 'pool' | 'db' | 'signal' | 'onProgress'>;

/**
 * A dedup job as an Observable: stage start/end and progress events while it runs, then one `result`
 * event, then completion. Work starts on subscription (each subscription runs the job afresh);
 * destructive actions are dry runs unless `settings.actions.confirm`.
 */
export function dedupJob(spec: DedupJobSpec, deps: DedupJobDeps): Observable<DedupEvent> {
  return defer(() => {
    const ctx = new JobContext(spec, deps);
    const found$ = scanStage(ctx).pipe(
      exactStage(ctx),
      featuresStage(ctx),
      candidatesStage(ctx),
      verifyStage(ctx),
      groupStage(ctx),
    );
    const result$ = found$.pipe(
      reportStage(ctx),
      actStage(ctx),
      map(({ report, runId, outcomes }): DedupJobResult => {
        ctx.stats.elapsedMs = performance.now() - ctx.t0;
        ctx.log.info({ ...ctx.stats, runId }, 'dedup job done');
        return { runId, interrupted: false, report, scanErrors: ctx.scanErrors, outcomes, stats: ctx.stats };
      }),
      catchError((err: unknown) =>
        err instanceof JobStopped ? of(interrupted(ctx, err.stage)) : throwError(() => err),
      ),
      map((result): DedupEvent => ({ type: 'result', result })),
      finalize(() => {
        ctx.progress.complete();
        ctx.events.complete();
      }),
    );
    return merge(ctx.events, result$);
  });
}

/** The result of a job stopped by its signal during `stage`: no groups, actions or report. */
function interrupted(ctx: JobContext, stage: string): DedupJobResult {
  const stats = ctx.stats;
  stats.skipped = ctx.skipped.length;
  stats.elapsedMs = performance.now() - ctx.t0;
  ctx.log.warn(
    { ...stats, stage },
    `dedup job interrupted during ${stage}: ${stats.featuresComputed} new feature rows cached; no groups, actions or report`,
  );
  return {
    interrupted: true,
    report: buildReport(ctx.root, [], ctx.skipped, ctx.settings.actions.keeperOrder),
    scanErrors: ctx.scanErrors,
    outcomes: [],
    stats,
  };
}

/** Runs a dedup job to its end ({@link dedupJob}); progress events go to `onProgress`. */
export async function runDedupJob(options: DedupJobOptions): Promise<DedupJobResult> {
  const { pool, db, signal, onProgress, ...spec } = options;
  const result = await lastValueFrom(
    dedupJob(spec, { pool, db, signal }).pipe(
      tap((e) => {
        if (e.type === 'progress') onProgress?.(e.progress);
      }),
      filter((e): e is Extract<DedupEvent, { type: 'result' }> => e.type === 'result'),
    ),
  );
  return result.result;
}
