import { sql, type Kysely } from 'kysely';

/**
 * Creates `dedup_features`, the feature cache of the dedup pipeline: one row per image path, valid while
 * the file's size and mtime (and, when known, content hash) and the feature settings key still match;
 * and the result tables `dedup_runs` (one row per job run), `dedup_groups`, `dedup_members` and
 * `dedup_skipped` (a run's groups, their members and the files it could not read).
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

  await db.schema
    .createTable('dedup_runs')
    .addColumn('run_id', 'text', (col) => col.primaryKey())
    .addColumn('job_id', 'text', (col) => col.notNull())
    .addColumn('root', 'text', (col) => col.notNull())
    .addColumn('started_at', 'timestamptz', (col) => col.notNull())
    .addColumn('finished_at', 'timestamptz', (col) => col.notNull())
    .addColumn('files', 'integer', (col) => col.notNull())
    .addColumn('groups', 'integer', (col) => col.notNull())
    .addColumn('duplicates', 'integer', (col) => col.notNull())
    .addColumn('skipped', 'integer', (col) => col.notNull())
    .addColumn('reclaimable_bytes', 'bigint', (col) => col.notNull())
    .addColumn('features_computed', 'integer', (col) => col.notNull())
    .addColumn('features_cached', 'integer', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('settings', 'jsonb', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('dedup_runs_job_idx')
    .on('dedup_runs')
    .columns(['job_id', 'started_at'])
    .execute();

  await db.schema
    .createTable('dedup_groups')
    .addColumn('run_id', 'text', (col) => col.notNull().references('dedup_runs.run_id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('score', 'double precision', (col) => col.notNull())
    .addColumn('keeper', 'text', (col) => col.notNull())
    .addColumn('members', 'integer', (col) => col.notNull())
    .addColumn('reclaimable_bytes', 'bigint', (col) => col.notNull())
    .addPrimaryKeyConstraint('dedup_groups_pk', ['run_id', 'group_id'])
    .execute();

  await db.schema
    .createTable('dedup_members')
    .addColumn('run_id', 'text', (col) => col.notNull().references('dedup_runs.run_id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (col) => col.notNull())
    .addColumn('path', 'text', (col) => col.notNull())
    .addColumn('rel_path', 'text', (col) => col.notNull())
    .addColumn('score', 'double precision', (col) => col.notNull())
    .addColumn('keeper', 'boolean', (col) => col.notNull())
    .addColumn('size', 'bigint', (col) => col.notNull())
    .addColumn('width', 'integer', (col) => col.notNull())
    .addColumn('height', 'integer', (col) => col.notNull())
    .addColumn('format', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('dedup_members_pk', ['run_id', 'path'])
    .execute();
  await db.schema.createIndex('dedup_members_path_idx').on('dedup_members').column('path').execute();

  await db.schema
    .createTable('dedup_skipped')
    .addColumn('run_id', 'text', (col) => col.notNull().references('dedup_runs.run_id').onDelete('cascade'))
    .addColumn('path', 'text', (col) => col.notNull())
    .addColumn('rel_path', 'text', (col) => col.notNull())
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('detail', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('dedup_skipped_pk', ['run_id', 'path'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['dedup_skipped', 'dedup_members', 'dedup_groups', 'dedup_runs', 'dedup_features']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
