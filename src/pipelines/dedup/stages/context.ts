/**
 * What the stages of one dedup job share: the parsed spec, its dependencies, the stats and skip list
 * the stages add to, and the job's event stream (stage starts and ends, progress). Each stage is an
 * operator in its own file (scan, exact, features, candidates, verify, group, report, act); `dedupJob`
 * (../job.ts) composes them into one Observable.
 */
import path from 'node:path';
import type { Kysely } from 'kysely';
import { Observable, Subject, type OperatorFunction } from 'rxjs';
import type { DB } from '../../../db/types';
import type { WorkerPool } from '../../../pools';
import type { HashWorkerApi } from '../../../pools/kinds';
import { logger, type Logger } from '../../../util/logger';
import { SINK_BATCH_DEFAULTS } from '../../../sinks/defaults';
import { dedupSettingsSchema, type DedupSettings } from '../../../config/schema/dedup-settings';
import type { ScanError, SkippedFile } from '../../../kernels/features/types';
import { ProgressTracker, type DedupProgress, type DedupStage } from '../progress';
import type { DedupJobResult, DedupJobSpec } from '../job-types';

/** What a job needs besides its spec: the hash worker pool, a database, a stop signal. */
export interface DedupJobDeps {
  /** A pool running dist/workers/hash.js. */
  pool: WorkerPool<HashWorkerApi>;
  /** Database for the feature cache (dedup_features), stored pairs and the result rows. */
  db?: Kysely<DB>;
  /**
   * Stops the job early (graceful shutdown): scanning stops, no new file is hashed or decoded, tasks in
   * flight finish and their feature rows are written to the cache; verification (between batches of
   * pairs), actions, reports and result rows are skipped, and the result says `interrupted`.
   */
  signal?: AbortSignal;
}

/** An event of a dedup job: a stage starts or ends, progress within a stage, the result (last). */
export type DedupEvent =
  | { type: 'stage'; stage: DedupStage; phase: 'start' | 'end' }
  | { type: 'progress'; progress: DedupProgress }
  | { type: 'result'; result: DedupJobResult };

/** Thrown by the stage during which the job's signal stopped it; the job turns it into its result. */
export class JobStopped extends Error {
  constructor(readonly stage: DedupStage) {
    super(`dedup job stopped during ${stage}`);
    this.name = 'JobStopped';
  }
}

/** Shared state of one job (created per subscription of `dedupJob`). */
export class JobContext {
  readonly settings: DedupSettings;
  readonly root: string;
  /** The reports folder (`spec.out`, absolute), where the undo log goes too; undefined: no reports. */
  readonly out?: string;
  readonly jobId: string;
  readonly log: Logger;
  readonly startedAt = new Date();
  readonly t0 = performance.now();
  readonly events = new Subject<DedupEvent>();
  readonly progress: ProgressTracker;
  /** Feature cache database (undefined when there is no db or the cache is off). */
  readonly cacheDb?: Kysely<DB>;
  /** Rows per cache query / upsert. */
  readonly batchSize: number;
  /** Rows per query when verification reads feature data back. */
  readonly readBatch: number;
  /** Pool calls in flight per pooled stage. */
  readonly concurrency: number;
  readonly stats: DedupJobResult['stats'] = {
    files: 0,
    exactGroups: 0,
    featuresComputed: 0,
    featuresCached: 0,
    featuresPruned: 0,
    pairsPruned: 0,
    groups: 0,
    duplicates: 0,
    skipped: 0,
    reclaimableBytes: 0,
    skippedCopies: 0,
    elapsedMs: 0,
    candidates: 0,
    verified: 0,
    rejected: { hash: 0, colour: 0, structure: 0, foreground: 0, detail: 0, embedding: 0 },
    reused: 0,
  };
  readonly skipped: SkippedFile[] = [];
  readonly scanErrors: ScanError[] = [];

  constructor(
    readonly spec: DedupJobSpec,
    readonly deps: DedupJobDeps,
  ) {
    this.settings = dedupSettingsSchema.parse(spec.settings ?? {});
    this.root = path.resolve(spec.root);
    this.out = spec.out ? path.resolve(spec.out) : undefined;
    this.jobId = spec.jobId ?? path.basename(this.root);
    this.log = logger().child({ pipeline: 'dedup', job: this.jobId });
    this.progress = new ProgressTracker((progress) => this.events.next({ type: 'progress', progress }));
    this.cacheDb = deps.db && spec.cache !== false ? deps.db : undefined;
    this.batchSize = spec.dbBatchSize ?? SINK_BATCH_DEFAULTS.rows;
    // Verification reads far more rows than the other stages: larger queries cost less per row.
    this.readBatch = spec.dbBatchSize ?? 1000;
    this.concurrency = Math.max(2, deps.pool.size * 2);
  }

  get pool(): WorkerPool<HashWorkerApi> {
    return this.deps.pool;
  }

  stopped(): boolean {
    return this.deps.signal?.aborted === true;
  }

  /** Throws {@link JobStopped} when the job was stopped (called at the end of a stage). */
  checkStopped(stage: DedupStage): void {
    if (this.stopped()) throw new JobStopped(stage);
  }

  /** A reader over `items` that ends early once the job is stopped (tasks in flight still finish). */
  untilStopped<T>(items: Iterable<T>): () => T | null {
    const it = items[Symbol.iterator]();
    return () => {
      const step = this.stopped() ? undefined : it.next();
      return step && !step.done ? step.value : null;
    };
  }
}

/**
 * Wraps a stage's operator with its start and end events: start on the first notification from
 * upstream (the stage has work), end when the stage completes (before its last value goes on).
 */
export function stage<I, O>(
  ctx: JobContext,
  name: DedupStage,
  op: OperatorFunction<I, O>,
): OperatorFunction<I, O> {
  return (source) =>
    new Observable<O>((subscriber) => {
      let started = false;
      const start = (): void => {
        if (started) return;
        started = true;
        ctx.events.next({ type: 'stage', stage: name, phase: 'start' });
      };
      const marked = new Observable<I>((inner) =>
        source.subscribe({
          next: (v) => {
            start();
            inner.next(v);
          },
          error: (e: unknown) => inner.error(e),
          complete: () => {
            start();
            inner.complete();
          },
        }),
      );
      // The last value is held back until the stage completes, so that its end event comes before the
      // next stage starts on it (stages mostly emit one value: their whole set).
      let held: { value: O } | undefined;
      return op(marked).subscribe({
        next: (v) => {
          if (held) subscriber.next(held.value);
          held = { value: v };
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          ctx.events.next({ type: 'stage', stage: name, phase: 'end' });
          if (held) subscriber.next(held.value);
          subscriber.complete();
        },
      });
    });
}
