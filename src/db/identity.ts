import type { Kysely } from 'kysely';
import { DatabaseError } from './errors';
import type { DB } from './types';

/**
 * The random id migration 0006 stores in `rxvision_database` (one row). A spool records it, so rows
 * spooled for one database are never replayed into another.
 */
export async function databaseId(db: Kysely<DB>): Promise<string> {
  const row = await db.selectFrom('rxvision_database').select('id').executeTakeFirst();
  if (!row) throw new DatabaseError('the database has no rxvision_database id: run the migrations first');
  return row.id;
}
