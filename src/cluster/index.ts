export { defaultNodeId, channelLockKey, hash32, lockKeyCollisions } from './identity';
export { fairShare, rebalance, type RebalanceDecision, type RebalanceInput } from './policy';
export { openNodeSession, type NodeSession, type NodeSessionOptions, type PeerNode } from './node';
export { channelLeases, type ChannelLeaseOptions, type ChannelLeases, type LeaseSnapshot } from './leases';
export { runWhileLeased, type StartRun } from './lease-runs';
export { clusterStatus, type ClusterStatus, type NodeStatus } from './status';
export {
  assertClusterCanRun,
  ClusterConfigError,
  clusterNodeFor,
  clusterSettings,
  nodeIdOf,
  type ClusterNodeSetup,
} from './setup';
