/**
 * Stage `features`: a summary (hashes, digest) per representative file. Fresh cached rows give theirs
 * (rows from before digests existed are read in full once to get one); the rest are computed in the
 * `hash` pool and their rows go to the feature cache through the typed sink as they arrive. Only
 * summaries are kept per image: with a cache, verification reads the rest back per batch of pairs;
 * without one, the full records computed here are kept (there is nowhere else to read them from).
 * Candidate search needs every summary: the stage ends with the whole set (`toArray`).
 */
import {
  concatMap,
  connect,
  count,
  filter,
  forkJoin,
  mergeMap,
  from,
  map,
  of,
  tap,
  toArray,
  type OperatorFunction,
} from 'rxjs';
import { counter } from '../../../metrics/registry';
import { inPool, pullFrom } from '../../../operators';
import { poolAutoConfig } from '../../../pools/registry';
import type { FeatureResult, ImageFeatures, ImageSummary, ScanEntry } from '../../../kernels/features/types';
import {
  featureDigest,
  featureSettingsKey,
  fromCacheRow,
  readCachedRows,
  setFeatureDigests,
  summaryFromIndexRow,
  summaryOf,
  toCacheRow,
  type FeatureCacheRow,
} from '../cache';
import { prunePairs } from '../pairs';
import { cacheRowSink } from '../row-sinks';
import { stage, type JobContext } from './context';
import type { Hashed } from './exact';

/** Stage 0's output with a summary per representative. */
export interface Featured extends Hashed {
  /** Summaries of the representatives that have features, in scan order (item ids of stages 1-5). */
  items: ImageSummary[];
  /** Without a feature cache: the full records computed this run, by path. */
  full: Map<string, ImageFeatures>;
}

const featureRecords = () =>
  counter('rxvision_dedup_features_total', 'Feature records by source (computed, cached)', ['job', 'source']);

/** One computed file: its summary, its cache row, and (without a cache) its full record. */
interface Computed {
  summary: ImageSummary;
  row: FeatureCacheRow;
  features?: ImageFeatures;
}

/** Summaries from the cache and the pool; computed rows to the cache. */
export function featuresStage(ctx: JobContext): OperatorFunction<Hashed, Featured> {
  return stage(
    ctx,
    'features',
    concatMap((hashed) =>
      from(cachedSummaries(ctx, hashed)).pipe(
        concatMap(({ cached, toCompute }) =>
          computeFeatures(ctx, hashed, toCompute).pipe(
            concatMap(async (computed): Promise<Featured> => {
              featureRecords().inc({ job: ctx.jobId, source: 'computed' }, ctx.stats.featuresComputed);
              featureRecords().inc({ job: ctx.jobId, source: 'cached' }, ctx.stats.featuresCached);
              ctx.checkStopped('features');
              if (ctx.cacheDb && hashed.staleDigests.length > 0)
                ctx.stats.pairsPruned = await prunePairs(ctx.cacheDb, hashed.staleDigests);
              const summaries = new Map(cached);
              const full = new Map<string, ImageFeatures>();
              for (const c of computed) {
                summaries.set(c.summary.path, c.summary);
                if (c.features) full.set(c.summary.path, c.features);
              }
              // Scan order, so item ids (and ties in grouping) do not depend on which worker finished first.
              const items = hashed.representatives.flatMap((e) => summaries.get(e.path) ?? []);
              return { ...hashed, items, full };
            }),
          ),
        ),
      ),
    ),
  );
}

/** Summaries of cached representatives; the representatives to compute. */
async function cachedSummaries(
  ctx: JobContext,
  hashed: Hashed,
): Promise<{ cached: Map<string, ImageSummary>; toCompute: ScanEntry[] }> {
  const cached = new Map<string, ImageSummary>();
  const toCompute: ScanEntry[] = [];
  const undigested: string[] = [];
  for (const e of hashed.representatives) {
    const row = hashed.cachedRows.get(e.path);
    if (!row) toCompute.push(e);
    else if (row.feature_digest)
      cached.set(e.path, summaryFromIndexRow({ ...row, feature_digest: row.feature_digest }));
    else undigested.push(e.path);
  }
  const { cacheDb, batchSize } = ctx;
  if (cacheDb && undigested.length > 0) {
    const digests: { path: string; digest: string }[] = [];
    for (let i = 0; i < undigested.length; i += batchSize) {
      const rows = await readCachedRows(cacheDb, undigested.slice(i, i + batchSize));
      for (const row of rows.values()) {
        const f = fromCacheRow(row);
        const digest = featureDigest(f);
        cached.set(f.path, summaryOf(f, digest));
        digests.push({ path: f.path, digest });
      }
    }
    await setFeatureDigests(cacheDb, digests);
    ctx.log.info({ rows: digests.length }, 'feature digests added to cache rows of an older version');
  }
  ctx.stats.featuresCached = cached.size;
  return { cached, toCompute };
}

/** Features of `toCompute` from the pool; rows written to the cache; the computed files, all at once. */
function computeFeatures(ctx: JobContext, hashed: Hashed, toCompute: readonly ScanEntry[]) {
  const { pool, settings, cacheDb } = ctx;
  const key = featureSettingsKey(settings.features);
  const byPath = new Map(toCompute.map((e) => [e.path, e]));
  // Files in flight (the auto-configured batch, bounded by memory) spread over the pooled calls in
  // flight: several files per call, so small images do not pay a worker round trip each.
  const inFlight = ctx.spec.featureBatch ?? poolAutoConfig().batches.dedupFeatures.size;
  const calls = Math.max(1, Math.min(ctx.concurrency, inFlight));
  const perCall = Math.max(1, Math.floor(inFlight / calls));
  const one = (e: ScanEntry): Promise<FeatureResult> =>
    pool
      .run('features', [e.path, settings.features], { identity: e.path })
      .catch((err: unknown): FeatureResult => ({
        ok: false,
        skipped: { path: e.path, reason: 'unreadable', detail: `${e.path}: ${(err as Error).message}` },
      }));
  const batch = async (files: ScanEntry[]): Promise<FeatureResult[]> => {
    if (files.length === 1) return [await one(files[0])];
    try {
      return await pool.run('featuresBatch', [files.map((e) => e.path), settings.features], {
        identity: `${files[0].path} (+${files.length - 1} more)`,
      });
    } catch {
      // The call failed as a whole (its worker died or timed out): file by file, so that only the file
      // at fault is skipped.
      return Promise.all(files.map(one));
    }
  };
  return pullFrom(ctx.untilStopped(chunksOf(toCompute, perCall))).pipe(
    inPool(batch, { concurrency: calls, ordered: false, stage: 'dedup-features' }),
    mergeMap((results) => results),
    tap(() => ctx.progress.update('features', ++ctx.stats.featuresComputed, toCompute.length)),
    map((r): Computed | null => {
      if (!r.ok) {
        ctx.skipped.push(r.skipped);
        return null;
      }
      const entry = byPath.get(r.features.path)!;
      const row = toCacheRow(entry, r.features, key, hashed.contentHashes.get(entry.path) ?? null);
      const summary = summaryOf(r.features, row.feature_digest);
      return { summary, row, features: cacheDb ? undefined : r.features };
    }),
    filter((c): c is Computed => c !== null),
    // Rows go to the cache as they come (on a stop the source ends and the sink flushes the rest); the
    // computed summaries are collected for candidate search.
    connect((computed) =>
      forkJoin({
        written: cacheDb
          ? computed.pipe(
              map((c) => c.row),
              cacheRowSink(cacheDb, ctx.batchSize),
              count(),
            )
          : of(0),
        summaries: computed.pipe(
          map(({ summary, features }): Omit<Computed, 'row'> => ({ summary, features })),
          toArray(),
        ),
      }),
    ),
    map(({ summaries }) => {
      ctx.progress.finish('features', ctx.stats.featuresComputed, toCompute.length);
      return summaries;
    }),
  );
}

/** `items` in consecutive chunks of `size`, one chunk per step of the iteration. */
function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
