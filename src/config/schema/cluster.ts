import { z } from 'zod';

/** Default heartbeat and rebalance period of a cluster node (ms). */
export const DEFAULT_HEARTBEAT_MS = 1_000;
/** Default age of a heartbeat past which a node that is still connected counts as hung and is fenced (ms). */
export const DEFAULT_HUNG_AFTER_MS = 5_000;

export const clusterSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Run the camera channels in cluster mode: every process started with this config (on any host) takes its fair share of the channels, each channel runs on exactly one of them. Needs database.url (PostgreSQL).',
      ),
    namespace: z
      .string()
      .min(1)
      .max(100)
      .default('rxvision')
      .describe(
        'Name of the cluster: processes with the same namespace share the channels; two deployments on one database use two namespaces.',
      ),
    maxChannels: z
      .int()
      .min(1)
      .optional()
      .describe('Most channels this process runs, whatever its fair share (default: no cap).'),
    heartbeatMs: z
      .int()
      .min(100)
      .max(60_000)
      .default(DEFAULT_HEARTBEAT_MS)
      .describe('How often the node writes its heartbeat and rebalances (ms).'),
    hungAfterMs: z
      .int()
      .min(1_000)
      .max(600_000)
      .default(DEFAULT_HUNG_AFTER_MS)
      .describe(
        'A node whose connection is open but whose heartbeat is older than this counts as hung: the others end its lock connection (pg_terminate_backend), which frees its channels (ms).',
      ),
    identityRefreshMs: z
      .int()
      .min(200)
      .max(600_000)
      .default(5_000)
      .describe(
        'Re-ID: besides the notice a node sends when it stores new identities, every node re-reads the identities the others created this often (ms); the window in which one person seen on two nodes at once can get two identities.',
      ),
    nodeId: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of this node in rows and `pipeline cluster status` (default: host:pid:random).'),
  })
  .describe('Cluster mode for camera channels (PostgreSQL only)');

/** Cluster settings, defaults applied. */
export type ClusterConfig = z.infer<typeof clusterSchema>;
