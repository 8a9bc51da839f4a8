/**
 * A cluster node's own PostgreSQL session: its row in `cluster_nodes` (heartbeat), the session-level
 * advisory locks of the channels it runs, and the view of the other nodes. Everything goes through one
 * dedicated connection, because PostgreSQL frees session locks when that connection ends: a killed
 * process loses its channels at once, a hung one when another node terminates its backend.
 */
import os from 'node:os';
import type { Client, ClientConfig } from 'pg';
import { logger } from '../util/logger';
import { redactUrl, scrubSecrets, urlSecrets } from '../util/redact';
import { channelLockKey } from './identity';

/** Settings of a node's lock connection. */
export interface NodeSessionOptions {
  url: string;
  namespace: string;
  nodeId: string;
  /** Connect timeout (ms). */
  connectTimeoutMs: number;
  /**
   * Query and statement timeout of the lock connection (ms): a server that stops answering fails the
   * heartbeat, and the node stops its channels rather than run them without knowing it still holds them.
   */
  queryTimeoutMs: number;
}

/** Another node (or this one) as its row and its backend say. */
export interface PeerNode {
  id: string;
  backendPid: number;
  heartbeatAgeMs: number;
  /** Whether its lock connection is still open on the server. */
  connected: boolean;
  channels: Record<string, string>;
}

/** The open session of a node. */
export interface NodeSession {
  nodeId: string;
  backendPid: number;
  /** Writes the heartbeat (share, channel states). False when the row is gone (another node fenced us). */
  heartbeat(share: number, channels: Record<string, string>): Promise<boolean>;
  /** The nodes of the namespace. */
  peers(): Promise<PeerNode[]>;
  /** Ends a hung node's lock connection (frees its locks) and removes its row. */
  fence(peer: PeerNode): Promise<void>;
  /** Removes the row of a node whose connection is gone. */
  forget(peer: PeerNode): Promise<void>;
  tryLock(channelId: string): Promise<boolean>;
  unlock(channelId: string): Promise<void>;
  /** Whether the connection failed (its locks are gone). */
  readonly broken: boolean;
  /** Removes the node's row and closes the connection (which frees every lock it held). */
  close(): Promise<void>;
}

/** The lock connection's settings: timeouts on both sides, TCP keepalive so a lost host is noticed. */
function clientConfig(o: NodeSessionOptions): ClientConfig {
  return {
    connectionString: o.url,
    connectionTimeoutMillis: o.connectTimeoutMs,
    query_timeout: o.queryTimeoutMs,
    statement_timeout: o.queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 1_000,
    application_name: `rxvision-cluster ${o.nodeId}`.slice(0, 63),
    // The server probes the node's socket too: a host lost without a FIN ends the session in ~5 s.
    options: '-c tcp_keepalives_idle=2 -c tcp_keepalives_interval=1 -c tcp_keepalives_count=3',
  };
}

/** Opens the node's lock connection and inserts its row. */
export async function openNodeSession(o: NodeSessionOptions, runId: number | null): Promise<NodeSession> {
  const pg = await import('pg');
  const secrets = urlSecrets(o.url);
  const client: Client = new pg.Client(clientConfig(o));
  let broken = false;
  client.on('error', (err) => {
    broken = true;
    logger().warn(
      { node: o.nodeId, error: scrubSecrets(err.message, secrets) },
      'cluster lock connection failed: its channels are released',
    );
  });
  client.on('end', () => (broken = true));
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `cluster: cannot connect to PostgreSQL at ${redactUrl(o.url)}: ${scrubSecrets((err as Error).message, secrets)}`,
    );
  }
  const q = async <R extends object>(text: string, params: unknown[] = []): Promise<R[]> => {
    try {
      return (await client.query(text, params)).rows as R[];
    } catch (err) {
      broken = broken || isConnectionError(err);
      throw err;
    }
  };
  const [{ pid }] = await q<{ pid: number }>('select pg_backend_pid() as pid');
  await q(
    `insert into cluster_nodes (id, namespace, host, pid, backend_pid, run_id) values ($1, $2, $3, $4, $5, $6)`,
    [o.nodeId, o.namespace, os.hostname(), process.pid, pid, runId],
  );
  const key = (id: string) => channelLockKey(o.namespace, id);
  return {
    nodeId: o.nodeId,
    backendPid: pid,
    get broken() {
      return broken;
    },
    async heartbeat(share, channels) {
      const rows = await q(
        `update cluster_nodes set heartbeat_at = now(), share = $2, channels = $3::jsonb where id = $1 returning id`,
        [o.nodeId, share, JSON.stringify(channels)],
      );
      return rows.length === 1;
    },
    async peers() {
      const rows = await q<{
        id: string;
        backend_pid: number;
        age_ms: number;
        connected: boolean;
        channels: Record<string, string>;
      }>(
        `select n.id, n.backend_pid, n.channels,
                (extract(epoch from clock_timestamp() - n.heartbeat_at) * 1000)::float8 as age_ms,
                exists (select 1 from pg_stat_activity a where a.pid = n.backend_pid) as connected
           from cluster_nodes n where n.namespace = $1 order by n.started_at, n.id`,
        [o.namespace],
      );
      return rows.map((r) => ({
        id: r.id,
        backendPid: r.backend_pid,
        heartbeatAgeMs: Number(r.age_ms),
        connected: r.connected,
        channels: r.channels ?? {},
      }));
    },
    async fence(peer) {
      await q('select pg_terminate_backend($1)', [peer.backendPid]);
      await q('delete from cluster_nodes where id = $1 and backend_pid = $2', [peer.id, peer.backendPid]);
    },
    async forget(peer) {
      await q('delete from cluster_nodes where id = $1 and backend_pid = $2', [peer.id, peer.backendPid]);
    },
    async tryLock(channelId) {
      const [a, b] = key(channelId);
      const [row] = await q<{ locked: boolean }>('select pg_try_advisory_lock($1, $2) as locked', [a, b]);
      return row.locked;
    },
    async unlock(channelId) {
      const [a, b] = key(channelId);
      await q('select pg_advisory_unlock($1, $2)', [a, b]);
    },
    async close() {
      if (!broken) {
        await q('delete from cluster_nodes where id = $1', [o.nodeId]).catch(() => undefined);
      }
      await client.end().catch(() => undefined);
    },
  };
}

/** Errors after which the session (and its locks) is gone, as opposed to one failed statement. */
function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e.code === '57P01' || // admin_shutdown / pg_terminate_backend
    e.code === 'ECONNRESET' ||
    e.code === 'EPIPE' ||
    /Connection terminated|not queryable|Query read timeout/i.test(e.message ?? '')
  );
}
