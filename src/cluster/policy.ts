/** The rebalance policy of cluster mode: a pure function from what a node sees to what it should do. */

/** What a node sees at one tick. */
export interface RebalanceInput {
  /** Every channel of the config, in config order. */
  channels: readonly string[];
  /** The channels this node holds now. */
  owned: ReadonlySet<string>;
  /** Channels held by other live nodes (as their last heartbeats say; may be stale). */
  ownedElsewhere: ReadonlySet<string>;
  /** Live nodes, this one included (at least 1). */
  liveNodes: number;
  /** This node's cap (`cluster.maxChannels`). */
  maxChannels?: number;
  /** Rotates the order in which free channels are tried, so nodes starting together try different ones first. */
  offset?: number;
}

/** What the node should do. */
export interface RebalanceDecision {
  /** ceil(channels / live nodes), capped by maxChannels. */
  share: number;
  /** Channels to stop and unlock (the node holds more than its share). */
  release: string[];
  /** Channels to try to lock, in order, until the node holds its share (some may be taken by then). */
  acquire: string[];
}

/** The fair share of one node: ceil(channels / live nodes), capped by `maxChannels`. */
export function fairShare(channels: number, liveNodes: number, maxChannels?: number): number {
  const share = Math.ceil(channels / Math.max(1, liveNodes));
  return maxChannels === undefined ? share : Math.min(share, maxChannels);
}

/**
 * A node above its share releases its last channels (config order) down to the share; a node below it
 * tries the channels nobody is known to hold first, then the rest (a heartbeat may be stale, the lock is
 * what decides). Channels the node holds are never offered again.
 */
export function rebalance(input: RebalanceInput): RebalanceDecision {
  const share = fairShare(input.channels.length, input.liveNodes, input.maxChannels);
  const mine = input.channels.filter((c) => input.owned.has(c));
  if (mine.length > share) return { share, release: mine.slice(share), acquire: [] };
  if (mine.length === share) return { share, release: [], acquire: [] };
  const others = input.channels.filter((c) => !input.owned.has(c));
  const offset = others.length ? (input.offset ?? 0) % others.length : 0;
  const rotated = [...others.slice(offset), ...others.slice(0, offset)];
  const free = rotated.filter((c) => !input.ownedElsewhere.has(c));
  const held = rotated.filter((c) => input.ownedElsewhere.has(c));
  return { share, release: [], acquire: [...free, ...held] };
}
