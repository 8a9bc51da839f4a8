/** Cluster mode of a run, from the config: checks that it can run, and builds the node's leases. */
import type { RxvisionConfig } from '../config/schema/root';
import { clusterSchema, type ClusterConfig } from '../config/schema/cluster';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_QUERY_TIMEOUT_MS } from '../config/schema/root';
import type { Logger } from '../util/logger';
import { defaultNodeId, lockKeyCollisions } from './identity';
import { channelLeases, type ChannelLeases } from './leases';
import { openNodeSession } from './node';

/** Cluster mode asked for where it cannot run (no PostgreSQL URL, JSON Lines output). The CLI exits 2. */
export class ClusterConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterConfigError';
  }
}

/** The settings of cluster mode (defaults filled), or throws when `database.url` is missing. */
export function clusterSettings(config: RxvisionConfig): ClusterConfig & { url: string } {
  const url = config.database?.url;
  if (!url)
    throw new ClusterConfigError(
      'cluster mode needs database.url (a PostgreSQL URL shared by every node); the embedded PGlite database serves one process only',
    );
  return { ...clusterSchema.parse(config.cluster ?? {}), url };
}

/** Throws {@link ClusterConfigError} when cluster mode cannot run: no `database.url`, or rows not going to the database. */
export function assertClusterCanRun(config: RxvisionConfig, output: 'database' | 'jsonl'): void {
  clusterSettings(config);
  if (output !== 'database')
    throw new ClusterConfigError('cluster mode writes its rows to the shared database: drop --jsonl');
}

/** A node of the cluster, ready to lease channels. */
export interface ClusterNodeSetup {
  nodeId: string;
  namespace: string;
  hungAfterMs: number;
  leases: ChannelLeases;
}

/** Builds this process's node: its identity and its channel leases (its session opens on the first tick). */
export function clusterNodeFor(
  config: RxvisionConfig,
  o: {
    runId: number;
    nodeId: string;
    channels: readonly string[];
    stateOf: (id: string) => string;
    log: Logger;
  },
): ClusterNodeSetup {
  const s = clusterSettings(config);
  for (const ids of lockKeyCollisions(s.namespace, o.channels))
    o.log.warn({ channels: ids }, 'cluster: these channels share a lock key and always run on one node');
  const session = {
    url: s.url,
    namespace: s.namespace,
    nodeId: o.nodeId,
    connectTimeoutMs: config.database?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: Math.min(config.database?.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, s.hungAfterMs),
  };
  const leases = channelLeases({
    openSession: () => openNodeSession(session, o.runId),
    nodeId: o.nodeId,
    channels: o.channels,
    heartbeatMs: s.heartbeatMs,
    hungAfterMs: s.hungAfterMs,
    maxChannels: s.maxChannels,
    stateOf: o.stateOf,
    log: o.log,
  });
  return { nodeId: o.nodeId, namespace: s.namespace, hungAfterMs: s.hungAfterMs, leases };
}

/** This process's node id: `cluster.nodeId` or host:pid:random. */
export function nodeIdOf(config: RxvisionConfig): string {
  return config.cluster?.nodeId ?? defaultNodeId();
}
