/**
 * The dedup job's row sinks: feature cache rows and verified pairs go to their tables through the typed
 * Kysely sink (batched, ON CONFLICT from cache.ts / pairs.ts, retries), like every other row writer.
 */
import type { Kysely } from 'kysely';
import { map, pipe, type OperatorFunction } from 'rxjs';
import type { DB } from '../../db/types';
import { kyselySink, type SinkAck } from '../../sinks/kysely';
import { CACHE_CONFLICT, cacheDbRow, type FeatureCacheRow } from './cache';
import { PAIR_CONFLICT, pairRow, type StoredPair } from './pairs';

/** Writes feature cache rows (the newest row of a path wins), `batchSize` rows per upsert. */
export function cacheRowSink(db: Kysely<DB>, batchSize?: number): OperatorFunction<FeatureCacheRow, SinkAck> {
  return pipe(
    map((row: FeatureCacheRow) => cacheDbRow(row)),
    kyselySink(db, { table: 'dedup_features', conflict: CACHE_CONFLICT, batchSize, name: 'dedup-cache' }),
  );
}

/** Writes verified pairs under `verifyKey` (a stored pair is never rewritten). */
export function pairRowSink(
  db: Kysely<DB>,
  verifyKey: string,
  batchSize = 1000,
): OperatorFunction<StoredPair, SinkAck> {
  return pipe(
    map((pair: StoredPair) => pairRow(verifyKey, pair)),
    kyselySink(db, { table: 'dedup_pairs', conflict: PAIR_CONFLICT, batchSize, name: 'dedup-pairs' }),
  );
}
