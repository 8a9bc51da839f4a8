/**
 * One dedup job end to end, as one Observable of events composed of stage operators (stages/, one file
 * each): scan -> exact (stage 0: size, then content hash) -> features (hash worker pool; one
 * representative per exact group, fresh cached rows reused) -> candidates -> verify (in the pool) ->
 * embedding (with
 * an embedding: candidates by cosine, in the pool) -> group -> report -> act. Files stream through bounded stages (pullFrom -> inPool); a stage that needs
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
import { buildReport } from './report/model';
import type { DedupJobOptions, DedupJobResult, DedupJobSpec } from './job-types';
import { JobContext, JobStopped, type DedupEvent, type DedupJobDeps } from './stages/context';
import { scanStage } from './stages/scan';
import { exactStage } from './stages/exact';
import { featuresStage } from './stages/features';
import { candidatesStage } from './stages/candidates';
import { verifyStage } from './stages/verify';
import { embeddingStage } from './stages/embedding';
import { groupStage } from './stages/group';
import { reportStage } from './stages/report';
import { actStage } from './stages/act';

export { HASH_BATCH } from './stages/exact';
export type { DedupEvent, DedupJobDeps } from './stages/context';
export type { DedupJobOptions, DedupJobResult, DedupJobSpec } from './job-types';

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
      embeddingStage(ctx),
      groupStage(ctx),
    );
    const result$ = found$.pipe(
      reportStage(ctx),
      actStage(ctx),
      map(({ report, runId, outcomes, undoLog }): DedupJobResult => {
        ctx.stats.elapsedMs = performance.now() - ctx.t0;
        ctx.log.info({ ...ctx.stats, runId }, 'dedup job done');
        return {
          runId,
          interrupted: false,
          report,
          scanErrors: ctx.scanErrors,
          outcomes,
          undoLog,
          stats: ctx.stats,
        };
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
