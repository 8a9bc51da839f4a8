/** Cluster gauges on the process's `/metrics`. */
import { gauge } from '../metrics/registry';

/** The gauges a node updates at each heartbeat. */
export function clusterGauges() {
  return {
    owned: gauge('rxvision_cluster_owned_channels', 'Camera channels this cluster node holds', ['node']),
    share: gauge('rxvision_cluster_share', 'Fair share of channels of this cluster node', ['node']),
    liveNodes: gauge('rxvision_cluster_live_nodes', 'Live nodes of the cluster as this node sees them', [
      'node',
    ]),
    heartbeatAge: gauge(
      'rxvision_cluster_heartbeat_age_seconds',
      'Time since this node last wrote its heartbeat',
      ['node'],
    ),
  };
}
