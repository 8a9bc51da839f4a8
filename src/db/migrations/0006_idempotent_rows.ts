import { sql, type Kysely } from 'kysely';

/**
 * Rows written twice (a replayed spool, a retry after the server committed but the reply was lost) must be
 * stored once. Detections already have a primary key (their sink now skips repeats); status events get a
 * per-channel, per-run `seq` and a unique index on it (rows stored before this get their id as seq).
 * `rxvision_database` holds one random id: a spool records it, so its rows are never replayed into
 * another database.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('channel_status_events').addColumn('seq', 'bigint').execute();
  await sql`update channel_status_events set seq = id`.execute(db);
  await db.schema
    .alterTable('channel_status_events')
    .alterColumn('seq', (c) => c.setNotNull())
    .execute();
  await db.schema
    .createIndex('channel_status_events_run_seq_key')
    .on('channel_status_events')
    .columns(['run_id', 'channel_id', 'seq'])
    .unique()
    .execute();

  await db.schema
    .createTable('rxvision_database')
    // One row only: the key can only be true.
    .addColumn('singleton', 'boolean', (c) =>
      c
        .primaryKey()
        .defaultTo(true)
        .check(sql`singleton`),
    )
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into rxvision_database (id) values (gen_random_uuid()::text)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rxvision_database').ifExists().execute();
  await db.schema.dropIndex('channel_status_events_run_seq_key').ifExists().execute();
  await db.schema.alterTable('channel_status_events').dropColumn('seq').execute();
}
