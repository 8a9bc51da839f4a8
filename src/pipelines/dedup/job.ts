/**
 * One dedup job end to end: scan -> stage 0 (exact duplicates, size then content hash) -> features in the
 * `hash` worker pool (one representative per exact group, fresh cached rows reused) -> stages 1-5 ->
 * keeper, reports, actions and result rows. Files stream through bounded stages (pullFrom -> inPool);
 * only scan metadata and feature records (a few kB per image) are held, never pixels.
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
import type { HashWorkerApi } from '../../../workers/hash';
import { applyActions, planActions, type ActionOutcome } from './actions';
import {
  featureSettingsKey,
  fromCacheRow,
  isFresh,
  pruneCache,
  readCachedRows,
  toCacheRow,
  upsertCacheRows,
  type StoredCacheRow,
} from './cache';
import { sameSizeGroups, type ExactGroup } from './exact';
import { findNearDuplicates, type DetectStats } from './detect';
import { mergeExactIntoGroups } from './merge-exact';
import { ProgressTracker, type ProgressListener } from './progress';
import { buildReport, type DedupReport, type GroupInput } from './report/model';
import { writeCsvReport } from './report/csv';
import { writeHtmlReport } from './report/html';
import { writeJsonReport } from './report/json';
import { saveRunResults } from './results';
import { scanImages, type ScanOptions } from './scan';
import { dedupSettingsSchema, type DedupSettings } from './settings';
import type { FeatureResult, ImageFeatures, ScanEntry, ScanError, SkippedFile } from './types';

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
  /** Paths per cache query / upsert (default 200). */
  dbBatchSize?: number;
}

/** What a job did. */
export interface DedupJobResult {
  /** Id of the run's rows in dedup_runs (when results were saved). */
  runId?: string;
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
    groups: number;
    duplicates: number;
    skipped: number;
    reclaimableBytes: number;
    elapsedMs: number;
  } & DetectStats;
}

const metrics = {
  files: () => counter('rxvision_dedup_files_scanned_total', 'Image files found by dedup scans', ['job']),
  features: () =>
    counter('rxvision_dedup_features_total', 'Feature records by source (computed, cached)', [
      'job',
      'source',
    ]),
  skipped: () =>
    counter('rxvision_dedup_skipped_total', 'Files skipped by dedup jobs, by reason', ['job', 'reason']),
  pairs: () => counter('rxvision_dedup_pairs_total', 'Candidate pairs by verdict', ['job', 'verdict']),
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
  const batchSize = options.dbBatchSize ?? 200;
  try {
    // Scan: metadata only, streamed from the directory walk.
    const entries: ScanEntry[] = [];
    const scanErrors: ScanError[] = [];
    for await (const r of scanImages(root, options.scan)) {
      if (r.kind === 'file') entries.push(r);
      else scanErrors.push(r);
      progress.update('scan', entries.length);
    }
    progress.finish('scan', entries.length);
    metrics.files().inc({ job: jobId }, entries.length);
    log.info({ files: entries.length, errors: scanErrors.length }, 'scan done');

    // Fresh cache rows, read in batches (also gives the content hashes of unchanged files).
    const key = featureSettingsKey(settings.features);
    const cachedRows = new Map<string, StoredCacheRow>();
    let featuresPruned = 0;
    if (cacheDb) {
      for (let i = 0; i < entries.length; i += batchSize) {
        const slice = entries.slice(i, i + batchSize);
        const rows = await readCachedRows(
          cacheDb,
          slice.map((e) => e.path),
        );
        for (const e of slice) {
          const row = rows.get(e.path);
          if (row && isFresh(row, e, key)) cachedRows.set(e.path, row);
        }
      }
      featuresPruned = await pruneCache(cacheDb, root, new Set(entries.map((e) => e.path)));
    }

    // Stage 0: exact duplicates among files of equal size (content hashes in the pool, cached ones reused).
    const skipped: SkippedFile[] = scanErrors
      .filter((e) => e.relPath !== '' || e.code !== 'ENOTDIR')
      .map((e) => ({ path: e.path, reason: 'unreadable' as const, detail: e.message }));
    const toHash = sameSizeGroups(entries).flat();
    const contentHashes = new Map<string, string>();
    let hashed = 0;
    await lastValueFrom(
      pullFrom(toHash).pipe(
        inPool(
          async (e: ScanEntry) => {
            const cachedHash = cachedRows.get(e.path)?.content_hash;
            return { e, hash: cachedHash ?? (await pool.run('contentHash', [e.path], { identity: e.path })) };
          },
          {
            concurrency,
            ordered: false,
            onError: 'skip',
            identify: (e) => e.path,
            onSkip: (err, e) => skipped.push({ path: e.path, reason: 'unreadable', detail: err.message }),
            stage: 'dedup-exact',
          },
        ),
        tap(({ e, hash }) => {
          contentHashes.set(e.path, hash);
          progress.update('exact', ++hashed, toHash.length);
        }),
        defaultIfEmpty(null),
      ),
    );
    progress.finish('exact', hashed, toHash.length);
    const exactGroups = exactGroupsOf(toHash, contentHashes);
    const unreadable = new Set(skipped.map((s) => s.path));
    const copies = new Set(exactGroups.flatMap((g) => g.members.slice(1)));
    const representatives = entries.filter((e) => !copies.has(e) && !unreadable.has(e.path));

    // Features: cached rows reused, the rest computed in the pool and upserted in batches as they arrive.
    const features: ImageFeatures[] = [];
    const toCompute: ScanEntry[] = [];
    for (const e of representatives) {
      const row = cachedRows.get(e.path);
      if (row) features.push(fromCacheRow(row));
      else toCompute.push(e);
    }
    const featuresCached = features.length;
    cachedRows.clear(); // the rows' byte columns are no longer needed
    let featuresComputed = 0;
    const byPath = new Map(entries.map((e) => [e.path, e]));
    await lastValueFrom(
      pullFrom(toCompute).pipe(
        inPool(
          (e: ScanEntry) =>
            pool.run('features', [e.path, settings.features], { identity: e.path }) as Promise<FeatureResult>,
          {
            concurrency,
            ordered: false,
            onError: 'skip',
            identify: (e) => e.path,
            onSkip: (err, e) =>
              skipped.push({ path: e.path, reason: 'unreadable', detail: `${e.path}: ${err.message}` }),
            stage: 'dedup-features',
          },
        ),
        map((r) => {
          progress.update('features', ++featuresComputed, toCompute.length);
          if (!r.ok) {
            skipped.push(r.skipped);
            return null;
          }
          features.push(r.features);
          const entry = byPath.get(r.features.path)!;
          return toCacheRow(entry, r.features, key, contentHashes.get(entry.path) ?? null);
        }),
        bufferCount(batchSize),
        concatMap(async (batch) => {
          const rows = batch.filter((r) => r !== null);
          if (cacheDb) await upsertCacheRows(cacheDb, rows);
        }),
        defaultIfEmpty(undefined),
      ),
    );
    progress.finish('features', featuresComputed, toCompute.length);
    metrics.features().inc({ job: jobId, source: 'computed' }, featuresComputed);
    metrics.features().inc({ job: jobId, source: 'cached' }, featuresCached);

    // Stages 1-5.
    const detected = findNearDuplicates(
      features,
      settings.verify,
      settings.grouping,
      (stage, done, finished) => (finished ? progress.finish(stage, done) : progress.update(stage, done)),
    );
    const groups: GroupInput[] = mergeExactIntoGroups(detected.groups, features, exactGroups, byPath);
    const report = buildReport(root, groups, skipped, settings.actions.keeperOrder);
    metrics.pairs().inc({ job: jobId, verdict: 'verified' }, detected.stats.verified);
    metrics
      .pairs()
      .inc({ job: jobId, verdict: 'rejected' }, detected.stats.candidates - detected.stats.verified);
    metrics.groups().set({ job: jobId }, report.groups.length);
    for (const s of report.skipped) metrics.skipped().inc({ job: jobId, reason: s.reason });

    // Actions (dry run unless confirmed).
    let outcomes: ActionOutcome[] = [];
    const out = options.out ? path.resolve(options.out) : undefined;
    if (settings.actions.action !== 'report') {
      const plan = planActions(
        report.groups.map((g) => ({
          keeper: path.join(report.root, g.keeper),
          duplicates: g.members.filter((m) => !m.keeper).map((m) => path.join(report.root, m.path)),
        })),
        { action: settings.actions.action, root, targetDir: settings.actions.targetDir },
      );
      progress.update('actions', 0, plan.length);
      outcomes = await applyActions(plan, {
        confirm: settings.actions.confirm,
        undoLog: path.join(out ?? path.resolve(root, '..'), 'undo.jsonl'),
      });
      progress.finish('actions', outcomes.length, plan.length);
    }

    // Reports and result rows.
    if (out) {
      progress.update('report', 0, 3);
      await writeJsonReport(report, path.join(out, 'report.json'));
      await writeCsvReport(report, path.join(out, 'report.csv'));
      await writeHtmlReport(report, path.join(out, 'report.html'));
      progress.finish('report', 3);
    }
    const duplicates = report.groups.reduce((n, g) => n + g.members.length - 1, 0);
    const stats = {
      files: entries.length,
      exactGroups: exactGroups.length,
      featuresComputed,
      featuresCached,
      featuresPruned,
      groups: report.groups.length,
      duplicates,
      skipped: report.skipped.length,
      reclaimableBytes: report.groups.reduce((n, g) => n + g.reclaimableBytes, 0),
      elapsedMs: 0,
      ...detected.stats,
    };
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
    return { runId, report, scanErrors, outcomes, stats };
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
