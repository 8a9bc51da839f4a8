/**
 * Stage `embedding` (runs only with `features.embedding`): candidates from the CNN embedding, not only
 * verification. The embeddings of the job's items (this run's records, or the feature cache column)
 * go into one L2-normalised matrix on a SharedArrayBuffer; the hash workers search blocks of rows for
 * pairs whose cosine reaches `verify.embeddingMatch` (exact blocked dot products, kernels/embedding);
 * those pairs join the verified pairs before grouping, so copies the hashes cannot see (flips, greyscale,
 * small rotations and crops) are grouped too. The search is recomputed each run (it is cheap next to
 * feature extraction at the sizes deep mode is for) and its pairs are not stored with the hash-stage
 * decisions.
 */
import { sql, type Kysely } from 'kysely';
import { concatMap, from, lastValueFrom, map, mergeMap, toArray, type OperatorFunction } from 'rxjs';
import type { DB } from '../../../db/types';
import { bytesToFloats } from '../cache';
import { stage, type JobContext } from './context';
import type { Planned } from './candidates';

/** Rows of the matrix per pool call. */
export const EMBEDDING_BLOCK = 128;

/** Adds the embedding pairs of the job's items to the plan's verified pairs. */
export function embeddingStage(ctx: JobContext): OperatorFunction<Planned, Planned> {
  const threshold = ctx.settings.verify.embeddingMatch;
  if (!ctx.settings.features.embedding || threshold >= 1) return (source) => source;
  return stage(
    ctx,
    'embedding',
    concatMap(async (planned) => {
      const matrix = await embeddingMatrix(ctx, planned);
      if (!matrix) return planned;
      const { vectors, dim, ids } = matrix;
      const rows = ids.length;
      const blocks = Array.from({ length: Math.ceil(rows / EMBEDDING_BLOCK) }, (_, k) => k * EMBEDDING_BLOCK);
      const verdicts = planned.plan.verdicts;
      await lastValueFrom(
        from(blocks).pipe(
          mergeMap(
            (start) =>
              ctx.pool.run('embeddingPairs', [vectors, dim, start, start + EMBEDDING_BLOCK, threshold], {
                identity: `embedding rows ${start}..${start + EMBEDDING_BLOCK} of ${rows}`,
              }),
            ctx.concurrency,
          ),
          map((found) => {
            for (let k = 0; k < found.a.length; k++) {
              const score = found.score[k];
              verdicts.add(ids[found.a[k]], ids[found.b[k]], {
                pass: true,
                score,
                scores: { hash: 0, embedding: score },
                transform: 'identity',
              });
            }
          }),
          toArray(),
        ),
      );
      ctx.checkStopped('verify');
      return planned;
    }),
  );
}

/** The items' embeddings as one shared row-major matrix, with the item id of each row. */
async function embeddingMatrix(
  ctx: JobContext,
  planned: Planned,
): Promise<{ vectors: Float32Array; dim: number; ids: number[] } | undefined> {
  const { items, full } = planned.featured;
  const byPath = ctx.cacheDb
    ? await readEmbeddings(
        ctx.cacheDb,
        items.map((it) => it.path),
        ctx.readBatch,
      )
    : new Map([...full].map(([p, f]) => [p, f.embedding]));
  const ids: number[] = [];
  let dim = 0;
  items.forEach((it, id) => {
    const e = byPath.get(it.path);
    if (!e) return;
    if (dim === 0) dim = e.length;
    if (e.length === dim) ids.push(id);
  });
  if (ids.length < 2) return undefined;
  const vectors = new Float32Array(new SharedArrayBuffer(ids.length * dim * 4));
  ids.forEach((id, row) => vectors.set(byPath.get(items[id].path)!, row * dim));
  return { vectors, dim, ids };
}

/** The embedding column of the cached rows of `paths` (base64 text: see readCachedColours). */
async function readEmbeddings(
  db: Kysely<DB>,
  paths: readonly string[],
  batch: number,
): Promise<Map<string, Float32Array | undefined>> {
  const out = new Map<string, Float32Array | undefined>();
  for (let i = 0; i < paths.length; i += batch) {
    const rows = await db
      .selectFrom('dedup_features')
      .select(['path', sql<string | null>`encode(embedding, 'base64')`.as('embedding')])
      .where('path', 'in', paths.slice(i, i + batch))
      .execute();
    for (const r of rows)
      out.set(r.path, r.embedding ? bytesToFloats(Buffer.from(r.embedding, 'base64')) : undefined);
  }
  return out;
}
