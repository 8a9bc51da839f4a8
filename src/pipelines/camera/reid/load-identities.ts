/** Reads the stored identities for the galleries, so identities survive restarts. */
import type { Database } from '../../../db';
import type { StoredIdentity } from './galleries';

/** Loads every stored identity (all models), or those created at or after `since`. */
export async function loadIdentities(db: Database, since?: Date): Promise<StoredIdentity[]> {
  let query = db.db.selectFrom('identities').selectAll();
  if (since) query = query.where('created_at', '>=', since);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    model: r.model,
    embedding: Float32Array.from(typeof r.embedding === 'string' ? JSON.parse(r.embedding) : r.embedding),
    samples: r.samples,
    createdAt: new Date(r.created_at).getTime(),
    lastSeenAt: new Date(r.last_seen_at).getTime(),
    lastChannel: r.last_channel_id,
    attributes: (typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes) as Record<
      string,
      unknown
    >,
  }));
}
