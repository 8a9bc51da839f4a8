/** What `pipeline cluster status` shows: the nodes of a namespace, their heartbeats and channels. */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types';

/** A node as the status sees it. */
export interface NodeStatus {
  id: string;
  host: string;
  pid: number;
  runId: number | null;
  startedAt: string;
  /** Age of its last heartbeat (ms): the lag. */
  heartbeatAgeMs: number;
  /** live: connected with a fresh heartbeat; hung: connected, heartbeat older than hungAfterMs; gone: connection closed. */
  health: 'live' | 'hung' | 'gone';
  share: number;
  /** Channel id -> state, as of its last heartbeat. */
  channels: Record<string, string>;
}

/** The status of one namespace. */
export interface ClusterStatus {
  namespace: string;
  nodes: NodeStatus[];
  /** Configured channels no live node holds (when the config's channel list is given). */
  unassigned: string[];
}

/** Reads the status of `namespace`; `channels` (the config's channel ids) lets it list unassigned ones. */
export async function clusterStatus(
  db: Kysely<DB>,
  namespace: string,
  hungAfterMs: number,
  channels: readonly string[] = [],
): Promise<ClusterStatus> {
  const rows = await db
    .selectFrom('cluster_nodes as n')
    .select([
      'n.id',
      'n.host',
      'n.pid',
      'n.run_id',
      'n.started_at',
      'n.share',
      'n.channels',
      sql<number>`(extract(epoch from clock_timestamp() - n.heartbeat_at) * 1000)::float8`.as('age_ms'),
      sql<boolean>`exists (select 1 from pg_stat_activity a where a.pid = n.backend_pid)`.as('connected'),
    ])
    .where('n.namespace', '=', namespace)
    .orderBy('n.started_at')
    .orderBy('n.id')
    .execute();
  const nodes: NodeStatus[] = rows.map((r) => {
    const age = Number(r.age_ms);
    return {
      id: r.id,
      host: r.host,
      pid: r.pid,
      runId: r.run_id === null ? null : Number(r.run_id),
      startedAt: new Date(r.started_at).toISOString(),
      heartbeatAgeMs: Math.round(age),
      health: !r.connected ? 'gone' : age > hungAfterMs ? 'hung' : 'live',
      share: r.share,
      channels: (r.channels ?? {}) as Record<string, string>,
    };
  });
  const held = new Set(nodes.filter((n) => n.health === 'live').flatMap((n) => Object.keys(n.channels)));
  return { namespace, nodes, unassigned: channels.filter((c) => !held.has(c)) };
}
