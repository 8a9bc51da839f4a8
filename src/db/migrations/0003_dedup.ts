import { sql, type Kysely } from 'kysely';

/**
 * Creates `dedup_features`, the feature cache of the dedup pipeline: one row per image path, valid while
 * the file's size and mtime (and, when known, content hash) and the feature settings key still match.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dedup_features')
    .addColumn('path', 'text', (col) => col.primaryKey())
    .addColumn('size', 'bigint', (col) => col.notNull())
    .addColumn('mtime_ms', 'double precision', (col) => col.notNull())
    .addColumn('content_hash', 'text')
    .addColumn('settings_key', 'text', (col) => col.notNull())
    .addColumn('width', 'integer', (col) => col.notNull())
    .addColumn('height', 'integer', (col) => col.notNull())
    .addColumn('format', 'text', (col) => col.notNull())
    .addColumn('whash', 'text', (col) => col.notNull())
    .addColumn('phash', 'text', (col) => col.notNull())
    .addColumn('dhash', 'text', (col) => col.notNull())
    .addColumn('variants', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('colour', 'bytea', (col) => col.notNull())
    .addColumn('thumb', 'bytea', (col) => col.notNull())
    .addColumn('thumb_size', 'integer', (col) => col.notNull())
    .addColumn('embedding', 'bytea')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('dedup_features_content_hash_idx')
    .on('dedup_features')
    .column('content_hash')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dedup_features').execute();
}
