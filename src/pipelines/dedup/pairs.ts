/**
 * Stored verification results (migration 0005_dedup_pairs), so that a re-run does not verify again what
 * an earlier run decided:
 *
 * - `dedup_pairs`: every verified (similar) pair, keyed by the feature digests of its two images, the
 *   hash transform and a key of the verification settings. A verdict is a pure function of that key.
 * - `dedup_pair_scopes`: per scope (verification settings key + root), the digests of the last complete
 *   run. Every candidate pair among them was decided then, so for two of them a missing row in
 *   `dedup_pairs` means "rejected": unchanged images need neither candidate search nor verification,
 *   only the lookup of their verified pairs. Rejected pairs (most candidates) are never stored.
 *
 * Invariant: a digest listed in a scope has all its verified pairs with the scope's other digests
 * stored. Pruning keeps it: a digest whose pairs are deleted is removed from every scope in the same
 * transaction.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types';
import { insertRows, writeRows, type ConflictTarget } from '../../db/write';
import type { VerifySettings } from '../../config/schema/dedup-settings';
import type { Transform } from '../../kernels/features/types';

/** Bumped when a verification stage changes what it computes, so older decisions are not reused. */
const VERIFY_VERSION = 3;

/** Key of every verification setting a decision depends on (all of them: thresholds and index hash). */
export function verifySettingsKey(v: VerifySettings): string {
  const relevant = {
    indexHash: v.indexHash,
    maxHashDistance: v.maxHashDistance,
    minColour: v.minColour,
    minStructure: v.minStructure,
    minEmbedding: v.minEmbedding,
    foreground: v.foreground,
    detail: v.detail,
    version: VERIFY_VERSION,
  };
  return createHash('sha1').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

/**
 * A verified pair by feature digests: `a` looks like `transform` applied to `b`. Identity pairs are
 * symmetric (every stage is), so they are stored once, smaller digest first (see {@link canonicalPair}).
 */
export interface StoredPair {
  a: string;
  b: string;
  transform: Transform;
  /** Mean of the stage scores. */
  score: number;
  scores: { hash: number; colour: number; structure: number; embedding?: number };
}

/** The stored orientation of a pair (identity pairs: smaller digest first). */
export function canonicalPair<T extends { a: string; b: string; transform: Transform }>(p: T): T {
  return p.transform === 'identity' && p.b < p.a ? { ...p, a: p.b, b: p.a } : p;
}

/** A stored pair is never rewritten: its verdict is a pure function of its key. */
export const PAIR_CONFLICT: ConflictTarget<DB, 'dedup_pairs'> = {
  columns: ['a_digest', 'b_digest', 'transform', 'verify_key'],
  update: 'nothing',
};

/** Where verification results are kept between runs, for one verification settings key and root. */
export interface PairStore {
  /** Digests of the scope's last complete run (empty when there was none). */
  checkedDigests(): Promise<Set<string>>;
  /** Stored verified pairs whose two digests are both in `digests`. */
  verifiedAmong(digests: ReadonlySet<string>): Promise<StoredPair[]>;
  /** Stores verified pairs (an existing pair keeps its row). */
  saveVerified(pairs: readonly StoredPair[]): Promise<void>;
  /**
   * Records a complete run: every candidate pair among `digests` has been decided and its verified
   * pairs saved. `previous` is what {@link checkedDigests} returned, so only the difference is written.
   */
  setChecked(digests: ReadonlySet<string>, previous: ReadonlySet<string>): Promise<void>;
}

/** The `dedup_pairs` row of a verified pair (in its stored orientation). */
export function pairRow(verifyKey: string, pair: StoredPair) {
  const p = canonicalPair(pair);
  return {
    verify_key: verifyKey,
    a_digest: p.a,
    b_digest: p.b,
    transform: p.transform,
    score: p.score,
    hash_score: p.scores.hash,
    colour_score: p.scores.colour,
    structure_score: p.scores.structure,
    embedding_score: p.scores.embedding ?? null,
  };
}

/** A {@link PairStore} in the database. */
export class DbPairStore implements PairStore {
  /** `<verify key>:<root>`. */
  readonly scope: string;

  constructor(
    private readonly db: Kysely<DB>,
    readonly verifyKey: string,
    root: string,
    /** Digests per query / rows per insert (default 1000). */
    private readonly batchSize = 1000,
  ) {
    this.scope = `${verifyKey}:${root}`;
  }

  async checkedDigests(): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('dedup_pair_scopes')
      .select('digest')
      .where('scope', '=', this.scope)
      .execute();
    return new Set(rows.map((r) => r.digest));
  }

  async verifiedAmong(digests: ReadonlySet<string>): Promise<StoredPair[]> {
    const all = [...digests];
    const out: StoredPair[] = [];
    for (let i = 0; i < all.length; i += this.batchSize) {
      const rows = await this.db
        .selectFrom('dedup_pairs')
        .select([
          'a_digest',
          'b_digest',
          'transform',
          'score',
          'hash_score',
          'colour_score',
          'structure_score',
          'embedding_score',
        ])
        .where('a_digest', 'in', all.slice(i, i + this.batchSize))
        .where('verify_key', '=', this.verifyKey)
        .execute();
      for (const r of rows) {
        if (!digests.has(r.b_digest)) continue;
        const scores: StoredPair['scores'] = {
          hash: r.hash_score,
          colour: r.colour_score,
          structure: r.structure_score,
        };
        if (r.embedding_score !== null) scores.embedding = r.embedding_score;
        out.push({
          a: r.a_digest,
          b: r.b_digest,
          transform: r.transform as Transform,
          score: r.score,
          scores,
        });
      }
    }
    return out;
  }

  async saveVerified(pairs: readonly StoredPair[]): Promise<void> {
    const rows = pairs.map((p) => pairRow(this.verifyKey, p));
    // One row per key (a repeated pair keeps its first row), statements of at most 2,000 rows.
    await writeRows(this.db, 'dedup_pairs', rows, {
      conflict: PAIR_CONFLICT,
      maxRows: Math.min(this.batchSize, 2000),
    });
  }

  async setChecked(digests: ReadonlySet<string>, previous: ReadonlySet<string>): Promise<void> {
    const removed = [...previous].filter((d) => !digests.has(d));
    const added = [...digests].filter((d) => !previous.has(d));
    if (removed.length === 0 && added.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < removed.length; i += this.batchSize) {
        await trx
          .deleteFrom('dedup_pair_scopes')
          .where('scope', '=', this.scope)
          .where('digest', 'in', removed.slice(i, i + this.batchSize))
          .execute();
      }
      const rows = added.map((digest) => ({ scope: this.scope, digest }));
      await insertRows(trx, 'dedup_pair_scopes', rows, {
        conflict: { columns: ['scope', 'digest'] },
        maxRows: this.batchSize,
      });
    });
  }
}

/**
 * Deletes stored pairs that involve one of `digests` when no cached feature row has that digest any
 * more (its file was removed or changed, and no other file has the same features), and removes those
 * digests from every scope (see the invariant in the file header). Returns the pair rows deleted.
 */
export async function prunePairs(
  db: Kysely<DB>,
  digests: Iterable<string>,
  batchSize = 500,
): Promise<number> {
  const candidates = [...new Set(digests)];
  let deleted = 0;
  for (let i = 0; i < candidates.length; i += batchSize) {
    const slice = candidates.slice(i, i + batchSize);
    deleted += await db.transaction().execute(async (trx) => {
      const alive = await trx
        .selectFrom('dedup_features')
        .select('feature_digest')
        .where('feature_digest', 'in', slice)
        .execute();
      const stillUsed = new Set(alive.map((r) => r.feature_digest));
      const gone = slice.filter((d) => !stillUsed.has(d));
      if (gone.length === 0) return 0;
      await trx.deleteFrom('dedup_pair_scopes').where('digest', 'in', gone).execute();
      const res = await trx
        .deleteFrom('dedup_pairs')
        .where((eb) => eb.or([eb('a_digest', 'in', gone), eb('b_digest', 'in', gone)]))
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    });
  }
  return deleted;
}
