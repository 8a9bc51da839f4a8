import { sql, type Kysely } from 'kysely';

/**
 * Dedup re-runs reuse verification work. `dedup_features.feature_digest` fingerprints the features a
 * verification reads (hashes, variants, colour signature, thumbnail, embedding). `dedup_pairs` keeps every
 * verified (similar) pair by its two digests, the hash transform and a key of the verification settings:
 * a verdict is a pure function of those, so a stored one stays valid whatever run or path it came from.
 * `dedup_pair_scopes` lists, per scope (verification settings key and root), the digests of the last
 * complete run: every candidate pair among them was decided, so a pair of them that is not in
 * `dedup_pairs` was rejected and need not be looked at again. Rows cached before this migration get their
 * digest on the next run that reads them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('dedup_features').addColumn('feature_digest', 'text').execute();
  // Pair pruning asks whether any cached row still has a digest.
  await db.schema
    .createIndex('dedup_features_digest_idx')
    .on('dedup_features')
    .column('feature_digest')
    .execute();

  await db.schema
    .createTable('dedup_pairs')
    .addColumn('verify_key', 'text', (col) => col.notNull())
    .addColumn('a_digest', 'text', (col) => col.notNull())
    .addColumn('b_digest', 'text', (col) => col.notNull())
    .addColumn('transform', 'text', (col) => col.notNull())
    .addColumn('score', 'double precision', (col) => col.notNull())
    .addColumn('hash_score', 'double precision', (col) => col.notNull())
    .addColumn('colour_score', 'double precision', (col) => col.notNull())
    .addColumn('structure_score', 'double precision', (col) => col.notNull())
    .addColumn('embedding_score', 'double precision')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    // a_digest first: lookups (a_digest in ..., one verify_key) and pruning by digest both use it.
    .addPrimaryKeyConstraint('dedup_pairs_pk', ['a_digest', 'b_digest', 'transform', 'verify_key'])
    .execute();
  await db.schema.createIndex('dedup_pairs_b_digest_idx').on('dedup_pairs').column('b_digest').execute();

  await db.schema
    .createTable('dedup_pair_scopes')
    .addColumn('scope', 'text', (col) => col.notNull())
    .addColumn('digest', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('dedup_pair_scopes_pk', ['scope', 'digest'])
    .execute();
  await db.schema
    .createIndex('dedup_pair_scopes_digest_idx')
    .on('dedup_pair_scopes')
    .column('digest')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dedup_pair_scopes').ifExists().execute();
  await db.schema.dropTable('dedup_pairs').ifExists().execute();
  await db.schema.alterTable('dedup_features').dropColumn('feature_digest').execute();
}
