import type { Kysely } from 'kysely';

/**
 * Dedup feature rows gain the encoded foreground record (src/kernels/features/foreground.ts): what a
 * picture on a plain background shows, so different objects on one white background are told apart.
 * Older rows keep null; their feature settings key no longer matches, so they are recomputed on use.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('dedup_features').addColumn('foreground', 'bytea').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('dedup_features').dropColumn('foreground').execute();
}
