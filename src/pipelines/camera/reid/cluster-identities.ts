/**
 * One identity gallery for a cluster: a node announces the identities it stored (NOTIFY after its sink
 * committed them) and adopts the ones the others stored, on their notice and on a periodic refresh (which
 * also covers a missed notice). Two nodes that see a new person within that window (sink flush 500 ms +
 * notice, or at worst `refreshMs`) each create an identity for them: the documented duplicate window.
 */
import type { Client } from 'pg';
import type { Database } from '../../../db';
import type { Logger } from '../../../util/logger';
import type { FaceAnalysis } from './face-analysis';
import { loadIdentities } from './load-identities';

/** The notification channel of new identities. */
export const IDENTITY_CHANNEL = 'rxvision_identities';
/** Identities are refreshed from this far before the newest one seen (clocks of hosts differ a little). */
const CLOCK_MARGIN_MS = 60_000;

export interface SharedIdentities {
  /** Call after identities were stored: tells the other nodes. */
  announce(): void;
  close(): Promise<void>;
}

/** Starts sharing: LISTEN on its own connection, refresh on each notice and every `refreshMs`. */
export async function shareClusterIdentities(o: {
  url: string;
  nodeId: string;
  database: Database;
  faces: FaceAnalysis;
  refreshMs: number;
  log: Logger;
}): Promise<SharedIdentities> {
  const pg = await import('pg');
  const client: Client = new pg.Client({ connectionString: o.url, keepAlive: true });
  client.on('error', (err) => o.log.warn({ err: err.message }, 'cluster identities: connection failed'));
  await client.connect();
  let since = new Date(Date.now() - CLOCK_MARGIN_MS);
  let refreshing: Promise<void> | undefined;
  const refresh = () =>
    (refreshing ??= loadIdentities(o.database, since)
      .then((found) => {
        const adopted = o.faces.adoptIdentities(found);
        const newest = Math.max(since.getTime() + CLOCK_MARGIN_MS, ...found.map((i) => i.createdAt));
        since = new Date(newest - CLOCK_MARGIN_MS);
        if (adopted) o.log.info({ adopted }, 'cluster identities: adopted identities of other nodes');
      })
      .catch((err: Error) => o.log.warn({ err: err.message }, 'cluster identities: refresh failed'))
      .finally(() => (refreshing = undefined)));
  client.on('notification', (n) => {
    if (n.payload !== o.nodeId) void refresh();
  });
  await client.query(`listen ${IDENTITY_CHANNEL}`);
  const timer = setInterval(() => void refresh(), o.refreshMs);
  return {
    announce() {
      client
        .query('select pg_notify($1, $2)', [IDENTITY_CHANNEL, o.nodeId])
        .catch((err: Error) => o.log.warn({ err: err.message }, 'cluster identities: notify failed'));
    },
    async close() {
      clearInterval(timer);
      await refreshing;
      await client.end().catch(() => undefined);
    },
  };
}
