import { sql, type Kysely } from 'kysely';

/**
 * Cluster mode for camera channels (src/cluster): one row per live node (its heartbeat, the backend pid of
 * its lock connection, the channels it runs and their states), and the node that ran each camera run.
 * Rows carry their node through their `run_id`: a process opens one run.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('cluster_nodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('backend_pid', 'integer', (c) => c.notNull())
    .addColumn('run_id', 'bigint')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('heartbeat_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('share', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('channels', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('cluster_nodes_namespace').on('cluster_nodes').column('namespace').execute();
  await db.schema.alterTable('pipeline_runs').addColumn('node_id', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('pipeline_runs').dropColumn('node_id').execute();
  await db.schema.dropTable('cluster_nodes').ifExists().execute();
}
