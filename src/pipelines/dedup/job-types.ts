/** The types of a dedup job's options and result (./job.ts runs it; ./stages use them). */
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types';
import type { WorkerPool } from '../../pools';
import type { HashWorkerApi } from '../../pools/kinds';
import type { ActionOutcome } from './actions';
import type { DetectStats } from './detect';
import type { HashBatchLimits } from './exact';
import type { ProgressListener } from './progress';
import type { DedupReport } from './report/model';
import type { ScanOptions } from './scan';
import type { DedupSettings } from '../../config/schema/dedup-settings';
import type { ScanError } from '../../kernels/features/types';

/** Options of {@link runDedupJob}. */
export interface DedupJobOptions {
  root: string;
  /**
   * Report folder: report.json, report.csv, report.html (written before any action) and, for confirmed
   * actions, undo.jsonl (without `out` the log goes to the target folder: see `undoLogPath`).
   */
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
  /** The undo log of a move/hardlink/delete run (see `undoLogPath`; written only when confirmed). */
  undoLog?: string;
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
    /** Steps skipped because a file changed since the scan, is a link or is outside the root. */
    skippedCopies: number;
    elapsedMs: number;
  } & DetectStats;
}

/** What a job does, without its dependencies (see {@link DedupJobDeps}): the serialisable part of the options. */
export type DedupJobSpec = Omit<DedupJobOptions, 'pool' | 'db' | 'signal' | 'onProgress'>;
