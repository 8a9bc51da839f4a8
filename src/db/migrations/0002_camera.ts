import { sql, type Kysely } from 'kysely';

/**
 * Camera channels: channels, their status events, tracks and (all or sampled) detections.
 * Indexes serve the obvious queries: a channel's events/tracks/detections over time, a track's detections.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull()) // credentials redacted
    .addColumn('config', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('channel_status_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('run_id', 'bigint')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('channel_status_events_channel_at_idx')
    .on('channel_status_events')
    .columns(['channel_id', 'at'])
    .execute();

  await db.schema
    .createTable('tracks')
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('track_id', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('first_frame', 'integer', (c) => c.notNull())
    .addColumn('last_frame', 'integer', (c) => c.notNull())
    .addColumn('frames', 'integer', (c) => c.notNull())
    .addColumn('best_x1', 'real', (c) => c.notNull())
    .addColumn('best_y1', 'real', (c) => c.notNull())
    .addColumn('best_x2', 'real', (c) => c.notNull())
    .addColumn('best_y2', 'real', (c) => c.notNull())
    .addColumn('best_score', 'real', (c) => c.notNull())
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addPrimaryKeyConstraint('tracks_pk', ['run_id', 'channel_id', 'track_id'])
    .execute();
  await db.schema
    .createIndex('tracks_channel_started_idx')
    .on('tracks')
    .columns(['channel_id', 'started_at'])
    .execute();

  await db.schema
    .createTable('detections')
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('frame_seq', 'integer', (c) => c.notNull())
    .addColumn('idx', 'smallint', (c) => c.notNull())
    .addColumn('track_id', 'integer')
    .addColumn('captured_at', 'timestamptz', (c) => c.notNull())
    .addColumn('x1', 'real', (c) => c.notNull())
    .addColumn('y1', 'real', (c) => c.notNull())
    .addColumn('x2', 'real', (c) => c.notNull())
    .addColumn('y2', 'real', (c) => c.notNull())
    .addColumn('score', 'real', (c) => c.notNull())
    .addColumn('written_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addPrimaryKeyConstraint('detections_pk', ['run_id', 'channel_id', 'frame_seq', 'idx'])
    .execute();
  await db.schema
    .createIndex('detections_channel_captured_idx')
    .on('detections')
    .columns(['channel_id', 'captured_at'])
    .execute();
  await db.schema
    .createIndex('detections_track_idx')
    .on('detections')
    .columns(['run_id', 'channel_id', 'track_id'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['detections', 'tracks', 'channel_status_events', 'channels']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
