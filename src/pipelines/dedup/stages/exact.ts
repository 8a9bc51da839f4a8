/**
 * Stage `exact` (stage 0): fresh feature-cache rows are looked up (their content hashes are reused), rows
 * of vanished files pruned, the remaining files of equal size hashed in the pool, a batch of files per
 * call (a round trip to a worker costs more than hashing a typical image), and files of equal size and
 * hash grouped. Needs the whole scan (equal sizes) and the whole set of hashes (`toArray`) before the
 * representatives of the exact groups go on to feature extraction.
 */
import { concatMap, from, map, mergeMap, tap, toArray, type OperatorFunction } from 'rxjs';
import { inPool, pullFrom } from '../../../operators';
import type { ScanEntry } from '../../../kernels/features/types';
import { featureSettingsKey, isFresh, pruneCache, readCacheIndex, type CacheIndexRow } from '../cache';
import {
  exactGroupsOf,
  hashBatches,
  sameSizeGroups,
  type ExactGroup,
  type FileHashResult,
  type HashBatchLimits,
} from '../exact';
import { stage, type JobContext } from './context';
import type { Scanned } from './scan';

/**
 * Default batch of stage 0: 32 files or 32 MiB per pool call. The files are small images typically, whose
 * hashing costs less than a worker round trip; 32 MiB streams in well under a second even from a slow disk.
 */
export const HASH_BATCH: HashBatchLimits = { maxFiles: 32, maxBytes: 32 << 20 };

/** What the feature cache knows of the scanned files. */
interface CacheLookup {
  /** Fresh cache rows (light columns) of unchanged files. */
  cachedRows: Map<string, CacheIndexRow>;
  /** Digests of cache rows that no longer describe their file (stored pairs may be orphans). */
  staleDigests: string[];
}

/** The scan with stage 0 done. */
export interface Hashed extends Scanned, CacheLookup {
  exactGroups: ExactGroup<ScanEntry>[];
  /** Files that go on to feature extraction: one per exact group, unreadable files left out. */
  representatives: ScanEntry[];
  contentHashes: Map<string, string>;
}

/** Looks up the cache, hashes what it lacks in the pool, groups exact copies. */
export function exactStage(ctx: JobContext): OperatorFunction<Scanned, Hashed> {
  return stage(
    ctx,
    'exact',
    concatMap((scanned) =>
      from(lookUpCache(ctx, scanned.entries)).pipe(concatMap((cache) => hashAndGroup(ctx, scanned, cache))),
    ),
  );
}

/** Fresh rows in batches; rows of files no longer under the root are pruned. */
async function lookUpCache(ctx: JobContext, entries: readonly ScanEntry[]): Promise<CacheLookup> {
  const { cacheDb, batchSize } = ctx;
  const cachedRows = new Map<string, CacheIndexRow>();
  const staleDigests: string[] = [];
  if (!cacheDb) return { cachedRows, staleDigests };
  const key = featureSettingsKey(ctx.settings.features);
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
  const pruned = await pruneCache(cacheDb, ctx.root, new Set(entries.map((e) => e.path)));
  ctx.stats.featuresPruned = pruned.count;
  staleDigests.push(...pruned.digests);
  return { cachedRows, staleDigests };
}

function hashAndGroup(ctx: JobContext, scanned: Scanned, cache: CacheLookup) {
  const { pool } = ctx;
  const toHash = sameSizeGroups(scanned.entries).flat();
  const cachedHashes: [string, string][] = [];
  const uncached: ScanEntry[] = [];
  for (const e of toHash) {
    const cachedHash = cache.cachedRows.get(e.path)?.content_hash;
    if (cachedHash) cachedHashes.push([e.path, cachedHash]);
    else uncached.push(e);
  }
  let hashed = cachedHashes.length;
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
      if (batch.length === 1 || ctx.stopped()) return batch.map((e) => failed(e, err));
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
  return pullFrom(ctx.untilStopped(hashBatches(uncached, ctx.spec.hashBatch ?? HASH_BATCH))).pipe(
    // hashBatch answers for every file, failures included: nothing is left for an error policy.
    inPool(hashBatch, { concurrency: ctx.concurrency, ordered: false, stage: 'dedup-exact' }),
    tap((results) => {
      hashed += results.length;
      ctx.progress.update('exact', hashed, toHash.length);
    }),
    mergeMap((results) => results),
    toArray(),
    map((results): Hashed => {
      ctx.progress.finish('exact', hashed, toHash.length);
      ctx.checkStopped('exact');
      const contentHashes = new Map(cachedHashes);
      for (const r of results) {
        if (r.ok) contentHashes.set(r.path, r.hash);
        else ctx.skipped.push({ path: r.path, reason: 'unreadable', detail: r.error });
      }
      const exactGroups = exactGroupsOf(toHash, contentHashes);
      ctx.stats.exactGroups = exactGroups.length;
      const unreadable = new Set(ctx.skipped.map((s) => s.path));
      const copies = new Set(exactGroups.flatMap((g) => g.members.slice(1)));
      const representatives = scanned.entries.filter((e) => !copies.has(e) && !unreadable.has(e.path));
      return { ...scanned, ...cache, exactGroups, representatives, contentHashes };
    }),
  );
}
