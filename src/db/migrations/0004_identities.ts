import { sql, type Kysely } from 'kysely';

/**
 * Re-ID and demographics: the identity gallery (one row per person, its mean embedding and aggregated
 * gender/age), sightings linking (run, channel, track) to an identity over time, and the identity of each
 * track on the track row itself.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('identities')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('model', 'text', (c) => c.notNull()) // embedding space: only same-model vectors compare
    .addColumn('embedding', 'jsonb', (c) => c.notNull()) // L2-normalised mean embedding, array of numbers
    .addColumn('samples', 'integer', (c) => c.notNull())
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_channel_id', 'text')
    .execute();
  await db.schema.createIndex('identities_model_idx').on('identities').column('model').execute();

  await db.schema
    .createTable('identity_sightings')
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('track_id', 'integer', (c) => c.notNull())
    .addColumn('identity_id', 'uuid', (c) => c.notNull())
    .addColumn('first_seen', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen', 'timestamptz', (c) => c.notNull())
    .addColumn('similarity', 'real', (c) => c.notNull())
    .addColumn('samples', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_sightings_pk', ['run_id', 'channel_id', 'track_id'])
    .execute();
  await db.schema
    .createIndex('identity_sightings_identity_idx')
    .on('identity_sightings')
    .columns(['identity_id', 'first_seen'])
    .execute();

  await db.schema.alterTable('tracks').addColumn('identity_id', 'uuid').execute();
  await db.schema.createIndex('tracks_identity_idx').on('tracks').column('identity_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('tracks_identity_idx').ifExists().execute();
  await db.schema.alterTable('tracks').dropColumn('identity_id').execute();
  await db.schema.dropTable('identity_sightings').ifExists().execute();
  await db.schema.dropTable('identities').ifExists().execute();
}
