/**
 * Stage `verify` (stages 2-4): chunks of candidate pairs, with the feature data they need, are verified
 * in the `hash` workers (`verifyPairs`); this thread only routes: it loads feature data into a bounded
 * working set (colour signatures, then full records for the pairs that pass stages 1-2), records the
 * verdicts in candidate order and sends verified pairs to `dedup_pairs` through the typed sink. A stop
 * ends the stage between chunks.
 */
import type { Kysely } from 'kysely';
import { concatMap, count, ignoreElements, map, mergeMap, type OperatorFunction } from 'rxjs';
import type { DB } from '../../../db/types';
import { inPool, pullFrom } from '../../../operators';
import type { ImageFeatures } from '../../../kernels/features/types';
import { fromCacheRow, readCachedColours, readCachedRows } from '../cache';
import { ChunkVerifier, recordChunk, type ChunkVerifierOptions, type PairVerifier } from '../detect';
import { pairRowSink } from '../row-sinks';
import { stage, type JobContext } from './context';
import type { Planned } from './candidates';

/** Verifies every chunk of the plan in the pool; emits the plan once all verdicts are recorded. */
export function verifyStage(ctx: JobContext): OperatorFunction<Planned, Planned> {
  return stage(
    ctx,
    'verify',
    concatMap((planned) => {
      const verifier = new ChunkVerifier(planned.featured.items, {
        ...loaders(ctx, planned),
        workingSet: ctx.spec.workingSet ?? ctx.settings.verify.workingSet,
        verifier: poolVerifier(ctx),
      });
      const passed = pullFrom(ctx.untilStopped(planned.chunks)).pipe(
        // Ordered: verdicts are recorded in candidate order, so groups do not depend on worker timing.
        inPool((chunk) => verifier.decide(chunk), { concurrency: ctx.concurrency, stage: 'dedup-verify' }),
        mergeMap((decided) => recordChunk(planned.plan, decided)),
      );
      const written = planned.store
        ? passed.pipe(pairRowSink(ctx.cacheDb!, planned.store.verifyKey))
        : passed.pipe(ignoreElements());
      return written.pipe(
        count(),
        map(() => {
          ctx.checkStopped('verify');
          return planned;
        }),
      );
    }),
  );
}

/** Verification in the hash workers, one pool call per batch of pairs. */
function poolVerifier(ctx: JobContext): PairVerifier {
  return (batch) =>
    ctx.pool.run('verifyPairs', [batch, ctx.settings.verify], {
      identity: `${batch.pairs.length} candidate pairs`,
    });
}

/**
 * Feature data of the items of the pairs in hand: from the cache in batches (colour signatures for stages
 * 1-2, full rows for the few pairs that pass them); without a cache, the records computed this run.
 */
function loaders(ctx: JobContext, planned: Planned): Pick<ChunkVerifierOptions, 'load' | 'loadColour'> {
  const { items, full } = planned.featured;
  const db = ctx.cacheDb;
  if (!db) return { load: (ids) => Promise.resolve(ids.map((id) => full.get(items[id].path)!)) };
  const readEach = async <T>(
    ids: readonly number[],
    read: (db: Kysely<DB>, paths: readonly string[]) => Promise<Map<string, T>>,
  ): Promise<T[]> => {
    const paths = ids.map((id) => items[id].path);
    const found = new Map<string, T>();
    for (let i = 0; i < paths.length; i += ctx.readBatch)
      for (const [p, v] of await read(db, paths.slice(i, i + ctx.readBatch))) found.set(p, v);
    return paths.map((p) => {
      const v = found.get(p);
      if (v === undefined) throw new Error(`${p}: feature cache row disappeared during the run`);
      return v;
    });
  };
  return {
    load: (ids) =>
      readEach(ids, async (d, paths): Promise<Map<string, ImageFeatures>> => {
        const rows = await readCachedRows(d, paths);
        return new Map([...rows].map(([p, row]) => [p, fromCacheRow(row)]));
      }),
    loadColour: (ids) => readEach(ids, readCachedColours),
  };
}
