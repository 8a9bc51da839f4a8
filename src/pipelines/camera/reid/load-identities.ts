/** Reads the stored identities for the galleries, so identities survive restarts. */
import type { Database } from '../../../db';
import type { StoredIdentity } from './galleries';

/** Loads every stored identity (all models). */
export async function loadIdentities(db: Database): Promise<StoredIdentity[]> {
  const rows = await db.db.selectFrom('identities').selectAll().execute();
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
