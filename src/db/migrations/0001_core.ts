import { sql, type Kysely } from 'kysely';

/*
 * Migrations take Kysely<any>: they describe the schema as it was at that point, not the current DB type.
 */

/** Creates `pipeline_runs`, one row per camera or dedup run. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pipeline_runs')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('kind', 'text', (col) => col.notNull().check(sql`kind in ('camera', 'dedup')`))
    .addColumn('config_file', 'text')
    .addColumn('started_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('running')
        .check(sql`status in ('running', 'succeeded', 'failed', 'interrupted')`),
    )
    .addColumn('stats', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema
    .createIndex('pipeline_runs_kind_started_at_idx')
    .on('pipeline_runs')
    .columns(['kind', 'started_at'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pipeline_runs').execute();
}
