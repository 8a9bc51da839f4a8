/**
 * One dedup job end to end: scan -> stage 0 (exact duplicates, size then content hash) -> features in the
 * `hash` worker pool (one representative per exact group, fresh cached rows reused) -> stages 1-5 ->
 * keeper, reports, actions and result rows. Files stream through bounded stages (pullFrom -> inPool);
 * per image only scan metadata and the feature summary (hashes, digest) are held, never pixels. With a
 * feature cache, colour signatures and thumbnails go to the cache as they are computed, and verification
 * reads them back per batch of pairs into a bounded working set; without one, the full records (a few
 * kB per image) stay in memory until verification ends.
 *
 * Re-runs: unchanged files contribute only the light columns of their cache rows (hashes, dimensions,
 * feature digest); candidate pairs whose decision is stored (`dedup_pairs`) are not verified again, so
 * an unchanged collection under unchanged settings costs a scan, cache lookups and the grouping.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { bufferCount, concatMap, defaultIfEmpty, lastValueFrom, map, tap } from 'rxjs';
import type { DB } from '../../db/types';
import { counter, gauge } from '../../metrics/registry';
import { inPool, pullFrom } from '../../operators';
import type { WorkerPool } from '../../pools';
import { logger } from '../../util/logger';
import type { HashWorkerApi } from '../../pools/kinds';
import { poolAutoConfig } from '../../pools/registry';
import { applyActions, planActions, type ActionOutcome } from './actions';
import { undoLogPath } from './undo-log';
import {
  featureDigest,
  featureSettingsKey,
  fromCacheRow,
  isFresh,
  pruneCache,
  readCacheIndex,
  readCachedColours,
  readCachedRows,
  setFeatureDigests,
  summaryFromIndexRow,
  summaryOf,
  toCacheRow,
  upsertCacheRows,
  type CacheIndexRow,
} from './cache';
import {
  hashBatches,
  sameSizeGroups,
  type ExactGroup,
  type FileHashResult,
  type HashBatchLimits,
} from './exact';
import { detectNearDuplicates, type DetectOptions, type DetectStats } from './detect';
import { DbPairStore, prunePairs, verifySettingsKey } from './pairs';
import { mergeExactIntoGroups } from './merge-exact';
import { ProgressTracker, type ProgressListener } from './progress';
import { buildReport, type DedupReport, type GroupInput } from './report/model';
import { writeCsvReport } from './report/csv';
import { writeHtmlReport } from './report/html';
import { writeJsonReport } from './report/json';
import { SINK_BATCH_DEFAULTS } from '../../sinks/defaults';
import { saveRunResults } from './results';
import { scanImages, type ScanOptions } from './scan';
import { dedupSettingsSchema, type DedupSettings } from '../../config/schema/dedup-settings';
import type {
  FeatureResult,
  ImageFeatures,
  ImageSummary,
  ScanEntry,
  ScanError,
  SkippedFile,
} from '../../kernels/features/types';

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

/**
 * Default batch of stage 0: 32 files or 32 MiB per pool call. The files are small images typically, whose
 * hashing costs less than a worker round trip; 32 MiB streams in well under a second even from a slow disk.
 */
export const HASH_BATCH: HashBatchLimits = { maxFiles: 32, maxBytes: 32 << 20 };

const metrics = {
  files: () => counter('rxvision_dedup_files_scanned_total', 'Image files found by dedup scans', ['job']),
  features: () =>
    counter('rxvision_dedup_features_total', 'Feature records by source (computed, cached)', [
      'job',
      'source',
    ]),
  skipped: () =>
    counter('rxvision_dedup_skipped_total', 'Files skipped by dedup jobs, by reason', ['job', 'reason']),
  pairs: () =>
    counter(
      'rxvision_dedup_pairs_total',
      'Candidate pairs by verdict (verified, rejected; reused: verified pairs taken from an earlier run)',
      ['job', 'verdict'],
    ),
  groups: () => gauge('rxvision_dedup_groups', 'Duplicate groups found by the last run of a job', ['job']),
};

/** Runs a dedup job; destructive actions are dry runs unless `settings.actions.confirm`. */
export async function runDedupJob(options: DedupJobOptions): Promise<DedupJobResult> {
  const t0 = performance.now();
  const startedAt = new Date();
  const settings = dedupSettingsSchema.parse(options.settings ?? {});
  const root = path.resolve(options.root);
  const jobId = options.jobId ?? path.basename(root);
  const log = logger().child({ pipeline: 'dedup', job: jobId });
  const progress = new ProgressTracker(options.onProgress);
  const pool = options.pool;
  const concurrency = Math.max(2, pool.size * 2);
  const cacheDb = options.db && options.cache !== false ? options.db : undefined;
  const batchSize = options.dbBatchSize ?? SINK_BATCH_DEFAULTS.rows;
  // Verification reads far more rows than the other stages (colour signatures for every candidate pair
  // whose images are not in the working set): larger queries cost less per row.
  const readBatch = options.dbBatchSize ?? 1000;
  const stopped = () => options.signal?.aborted === true;
  /** A reader over `items` that ends early once the job is stopped (tasks in flight still finish). */
  const untilStopped = <T>(items: Iterable<T>) => {
    const it = items[Symbol.iterator]();
    return () => {
      const step = stopped() ? undefined : it.next();
      return step && !step.done ? step.value : null;
    };
  };
  const stats = {
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
    rejected: { hash: 0, colour: 0, structure: 0, foreground: 0, embedding: 0 },
    reused: 0,
  };
  const skipped: SkippedFile[] = [];
  const interrupted = (scanErrors: ScanError[], stage: string): DedupJobResult => {
    stats.skipped = skipped.length;
    stats.elapsedMs = performance.now() - t0;
    log.warn(
      { ...stats, stage },
      `dedup job interrupted during ${stage}: ${stats.featuresComputed} new feature rows cached; no groups, actions or report`,
    );
    return {
      interrupted: true,
      report: buildReport(root, [], skipped, settings.actions.keeperOrder),
      scanErrors,
      outcomes: [],
      stats,
    };
  };
  try {
    // Scan: metadata only, streamed from the directory walk.
    const entries: ScanEntry[] = [];
    const scanErrors: ScanError[] = [];
    for await (const r of scanImages(root, options.scan)) {
      if (stopped()) break;
      if (r.kind === 'file') entries.push(r);
      else scanErrors.push(r);
      progress.update('scan', entries.length);
    }
    progress.finish('scan', entries.length);
    stats.files = entries.length;
    metrics.files().inc({ job: jobId }, entries.length);
    log.info({ files: entries.length, errors: scanErrors.length }, 'scan done');
    skipped.push(
      ...scanErrors
        .filter((e) => e.relPath !== '' || e.code !== 'ENOTDIR')
        .map((e) => ({ path: e.path, reason: 'unreadable' as const, detail: e.message })),
    );
    if (stopped()) return interrupted(scanErrors, 'scan');

    // Fresh cache rows, light columns only, read in batches (also gives the content hashes of unchanged
    // files). Digests of rows that no longer describe their file may leave stored pairs orphaned.
    const key = featureSettingsKey(settings.features);
    const cachedRows = new Map<string, CacheIndexRow>();
    const staleDigests: string[] = [];
    if (cacheDb) {
      for (let i = 0; i < entries.length; i += batchSize) {
        const slice = entries.slice(i, i + batchSize);
        const rows = await readCacheIndex(
          cacheDb,
          slice.map((e) => e.path),
        );
        for (const e of slice) {
          const row = rows.get(e.path);
          if (row && isFresh(row, e, key)) cachedRows.set(e.path, row);
          else if (row?.feature_digest) staleDigests.push(row.feature_digest);
        }
      }
      const pruned = await pruneCache(cacheDb, root, new Set(entries.map((e) => e.path)));
      stats.featuresPruned = pruned.count;
      staleDigests.push(...pruned.digests);
    }

    // Stage 0: exact duplicates among files of equal size. Cached content hashes are reused; the rest are
    // hashed in the pool, a batch of files per call (a round trip to a worker costs more than hashing a
    // typical image), batches cut as the pool asks for them.
    const toHash = sameSizeGroups(entries).flat();
    const contentHashes = new Map<string, string>();
    const uncached: ScanEntry[] = [];
    for (const e of toHash) {
      const cachedHash = cachedRows.get(e.path)?.content_hash;
      if (cachedHash) contentHashes.set(e.path, cachedHash);
      else uncached.push(e);
    }
    let hashed = contentHashes.size;
    const failed = (e: ScanEntry, err: unknown): FileHashResult => ({
      path: e.path,
      ok: false,
      error: (err as Error).message,
    });
    const hashBatch = async (batch: ScanEntry[]): Promise<FileHashResult[]> => {
      const identity = batch.length > 1 ? `${batch[0].path} (+${batch.length - 1} more)` : batch[0].path;
      try {
        return await pool.run('contentHashes', [batch.map((e) => e.path)], { identity });
      } catch (err) {
        // The call failed as a whole (its worker died or timed out): file by file, so that only the
        // file at fault is skipped.
        if (batch.length === 1 || stopped()) return batch.map((e) => failed(e, err));
        return Promise.all(
          batch.map((e) =>
            pool.run('contentHash', [e.path], { identity: e.path }).then(
              (hash): FileHashResult => ({ path: e.path, ok: true, hash }),
              (error: unknown) => failed(e, error),
            ),
          ),
        );
      }
    };
    await lastValueFrom(
      pullFrom(untilStopped(hashBatches(uncached, options.hashBatch ?? HASH_BATCH))).pipe(
        // hashBatch answers for every file, failures included: nothing is left for an error policy.
        inPool(hashBatch, { concurrency, ordered: false, stage: 'dedup-exact' }),
        tap((results) => {
          for (const r of results) {
            if (r.ok) contentHashes.set(r.path, r.hash);
            else skipped.push({ path: r.path, reason: 'unreadable', detail: r.error });
          }
          hashed += results.length;
          progress.update('exact', hashed, toHash.length);
        }),
        defaultIfEmpty(null),
      ),
    );
    progress.finish('exact', hashed, toHash.length);
    if (stopped()) return interrupted(scanErrors, 'exact');
    const exactGroups = exactGroupsOf(toHash, contentHashes);
    stats.exactGroups = exactGroups.length;
    const unreadable = new Set(skipped.map((s) => s.path));
    const copies = new Set(exactGroups.flatMap((g) => g.members.slice(1)));
    const representatives = entries.filter((e) => !copies.has(e) && !unreadable.has(e.path));

    // Features: cached rows give summaries (rows from before digests existed are read in full once to get
    // theirs); the rest are computed in the pool and upserted in batches as they arrive. Only summaries
    // are kept per image: with a cache, verification reads the rest back per batch of pairs.
    const summaries = new Map<string, ImageSummary>();
    /** Without a cache DB, the full records computed this run: there is nowhere else to read them from. */
    const full = new Map<string, ImageFeatures>();
    const toCompute: ScanEntry[] = [];
    const undigested: string[] = [];
    for (const e of representatives) {
      const row = cachedRows.get(e.path);
      if (!row) toCompute.push(e);
      else if (row.feature_digest)
        summaries.set(e.path, summaryFromIndexRow({ ...row, feature_digest: row.feature_digest }));
      else undigested.push(e.path);
    }
    cachedRows.clear();
    if (cacheDb && undigested.length > 0) {
      const digests: { path: string; digest: string }[] = [];
      for (let i = 0; i < undigested.length; i += batchSize) {
        const rows = await readCachedRows(cacheDb, undigested.slice(i, i + batchSize));
        for (const row of rows.values()) {
          const f = fromCacheRow(row);
          const digest = featureDigest(f);
          summaries.set(f.path, summaryOf(f, digest));
          digests.push({ path: f.path, digest });
        }
      }
      await setFeatureDigests(cacheDb, digests);
      log.info({ rows: digests.length }, 'feature digests added to cache rows of an older version');
    }
    stats.featuresCached = summaries.size;
    const byPath = new Map(entries.map((e) => [e.path, e]));
    await lastValueFrom(
      pullFrom(untilStopped(toCompute)).pipe(
        inPool(
          (e: ScanEntry) =>
            pool.run('features', [e.path, settings.features], { identity: e.path }) as Promise<FeatureResult>,
          {
            concurrency: options.featureBatch ?? poolAutoConfig().batches.dedupFeatures.size,
            ordered: false,
            onError: 'skip',
            identify: (e) => e.path,
            onSkip: (err, e) =>
              skipped.push({ path: e.path, reason: 'unreadable', detail: `${e.path}: ${err.message}` }),
            stage: 'dedup-features',
          },
        ),
        map((r) => {
          progress.update('features', ++stats.featuresComputed, toCompute.length);
          if (!r.ok) {
            skipped.push(r.skipped);
            return null;
          }
          const entry = byPath.get(r.features.path)!;
          const row = toCacheRow(entry, r.features, key, contentHashes.get(entry.path) ?? null);
          if (!cacheDb) full.set(entry.path, r.features);
          summaries.set(entry.path, summaryOf(r.features, row.feature_digest));
          return row;
        }),
        // Rows go out in batches; on a stop the source ends, so the last partial batch is flushed too.
        bufferCount(batchSize),
        concatMap(async (batch) => {
          const rows = batch.filter((r) => r !== null);
          if (cacheDb) await upsertCacheRows(cacheDb, rows);
        }),
        defaultIfEmpty(undefined),
      ),
    );
    progress.finish('features', stats.featuresComputed, toCompute.length);
    metrics.features().inc({ job: jobId, source: 'computed' }, stats.featuresComputed);
    metrics.features().inc({ job: jobId, source: 'cached' }, stats.featuresCached);
    if (stopped()) return interrupted(scanErrors, 'features');
    if (cacheDb && staleDigests.length > 0) stats.pairsPruned = await prunePairs(cacheDb, staleDigests);

    // Stages 1-5, over the summaries in scan order (so item ids, and ties in grouping, do not depend on
    // which worker finished first or on what came from the cache).
    const items = representatives.flatMap((e) => summaries.get(e.path) ?? []);
    // Feature data of the items of the pairs in hand, read from the cache in batches (colour signatures
    // for stages 1-2, full rows for the few pairs that pass them); without a cache, from `full`.
    const readEach = async <T>(
      ids: readonly number[],
      read: (db: Kysely<DB>, paths: readonly string[]) => Promise<Map<string, T>>,
    ): Promise<T[]> => {
      const paths = ids.map((id) => items[id].path);
      const found = new Map<string, T>();
      for (let i = 0; i < paths.length; i += readBatch)
        for (const [p, v] of await read(cacheDb!, paths.slice(i, i + readBatch))) found.set(p, v);
      return paths.map((p) => {
        const v = found.get(p);
        if (v === undefined) throw new Error(`${p}: feature cache row disappeared during the run`);
        return v;
      });
    };
    const loaders: Pick<DetectOptions, 'load' | 'loadColour'> = cacheDb
      ? {
          load: (ids) =>
            readEach(ids, async (db, paths) => {
              const rows = await readCachedRows(db, paths);
              return new Map([...rows].map(([p, row]) => [p, fromCacheRow(row)]));
            }),
          loadColour: (ids) => readEach(ids, readCachedColours),
        }
      : { load: (ids) => Promise.resolve(ids.map((id) => full.get(items[id].path)!)) };
    const detected = await detectNearDuplicates(items, {
      verify: settings.verify,
      grouping: settings.grouping,
      store: cacheDb ? new DbPairStore(cacheDb, verifySettingsKey(settings.verify), root) : undefined,
      ...loaders,
      workingSet: options.workingSet ?? settings.verify.workingSet,
      onProgress: (stage, done, finished) =>
        finished ? progress.finish(stage, done) : progress.update(stage, done),
      signal: options.signal,
    });
    Object.assign(stats, detected.stats);
    // A stop during verification, or right after it: no groups, no actions on a partial run.
    if (detected.interrupted || stopped()) return interrupted(scanErrors, 'verify');
    const groups: GroupInput[] = mergeExactIntoGroups(detected.groups, items, exactGroups, byPath);
    const report = buildReport(root, groups, skipped, settings.actions.keeperOrder);
    const rejected = Object.values(detected.stats.rejected).reduce((n, x) => n + x, 0);
    metrics.pairs().inc({ job: jobId, verdict: 'verified' }, detected.stats.candidates - rejected);
    metrics.pairs().inc({ job: jobId, verdict: 'rejected' }, rejected);
    metrics.pairs().inc({ job: jobId, verdict: 'reused' }, detected.stats.reused);
    metrics.groups().set({ job: jobId }, report.groups.length);
    for (const s of report.skipped) metrics.skipped().inc({ job: jobId, reason: s.reason });

    // Reports first: they describe the plan even when an action stops the run half-way.
    const out = options.out ? path.resolve(options.out) : undefined;
    if (out) {
      progress.update('report', 0, 3);
      await writeJsonReport(report, path.join(out, 'report.json'));
      await writeCsvReport(report, path.join(out, 'report.csv'));
      await writeHtmlReport(report, path.join(out, 'report.html'));
      progress.finish('report', 3);
    }

    // Actions (dry run unless confirmed); every step re-checked, logged intent-then-act (actions.ts).
    let outcomes: ActionOutcome[] = [];
    const { action, targetDir, confirm } = settings.actions;
    let undoLog: string | undefined;
    if (action !== 'report') {
      undoLog = undoLogPath({ out, targetDir, root });
      const plan = planActions(
        report.groups.map((g) => ({
          keeper: path.join(report.root, g.keeper),
          duplicates: g.members.filter((m) => !m.keeper).map((m) => path.join(report.root, m.path)),
          kind: g.kind,
        })),
        { action, root, targetDir, seen: byPath, contentHashes },
      );
      progress.update('actions', 0, plan.length);
      outcomes = await applyActions(plan, { confirm, undoLog, root, targetDir });
      progress.finish('actions', outcomes.length, plan.length);
    }
    stats.skippedCopies = outcomes.filter((o) => o.status === 'skipped').length;

    stats.groups = report.groups.length;
    stats.duplicates = report.groups.reduce((n, g) => n + g.members.length - 1, 0);
    stats.skipped = report.skipped.length;
    stats.reclaimableBytes = report.groups.reduce((n, g) => n + g.reclaimableBytes, 0);
    let runId: string | undefined;
    if (options.db && options.saveResults !== false) {
      runId = randomUUID();
      stats.elapsedMs = performance.now() - t0;
      await saveRunResults(options.db, {
        runId,
        jobId,
        report,
        startedAt,
        finishedAt: new Date(),
        stats,
        action: settings.actions.action,
        settings,
        batchSize,
      });
    }
    stats.elapsedMs = performance.now() - t0;
    log.info({ ...stats, runId }, 'dedup job done');
    return { runId, interrupted: false, report, scanErrors, outcomes, stats, undoLog };
  } finally {
    progress.complete();
  }
}

/** Exact groups from content hashes: files of equal size and hash, two or more (pure). */
export function exactGroupsOf(
  entries: readonly ScanEntry[],
  hashes: ReadonlyMap<string, string>,
): ExactGroup<ScanEntry>[] {
  const byKey = new Map<string, ScanEntry[]>();
  for (const e of entries) {
    const h = hashes.get(e.path);
    if (h === undefined) continue;
    const k = `${e.size}:${h}`;
    const list = byKey.get(k);
    if (list) list.push(e);
    else byKey.set(k, [e]);
  }
  const groups: ExactGroup<ScanEntry>[] = [];
  for (const members of byKey.values()) {
    if (members.length < 2) continue;
    // Scan order (name order) decides the representative, whatever order the pool finished in.
    members.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
    groups.push({ contentHash: hashes.get(members[0].path)!, size: members[0].size, members });
  }
  return groups;
}
