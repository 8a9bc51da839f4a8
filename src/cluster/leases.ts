/**
 * Channel leases of a cluster node: every `heartbeatMs` the node writes its heartbeat, looks at the other
 * nodes (forgets dead ones, fences hung ones), applies the rebalance policy and locks or releases channels.
 * `owned$` is the set of channels the node holds, emitted when it changes; a released channel is unlocked
 * only after its run has ended and its last rows had time to flush (`ended(id)` + one sink batch period).
 */
import { defer, distinctUntilChanged, exhaustMap, finalize, timer, type Observable } from 'rxjs';
import { SINK_BATCH_DEFAULTS } from '../sinks/defaults';
import type { Logger } from '../util/logger';
import { clusterGauges } from './metrics';
import type { NodeSession, PeerNode } from './node';
import { hash32 } from './identity';
import { rebalance } from './policy';

export interface ChannelLeaseOptions {
  /** Opens the node's session (again after its connection was lost). */
  openSession: () => Promise<NodeSession>;
  nodeId: string;
  /** Every channel of the config, in config order. */
  channels: readonly string[];
  heartbeatMs: number;
  hungAfterMs: number;
  maxChannels?: number;
  /** The state (live, connecting...) of a held channel, for the heartbeat and `pipeline cluster status`. */
  stateOf: (channelId: string) => string;
  log: Logger;
}

/** What a node's leases look like now (for logs, metrics and tests). */
export interface LeaseSnapshot {
  share: number;
  liveNodes: number;
  owned: string[];
  /** Time since the last heartbeat that went through (ms). */
  heartbeatAgeMs: number;
}

export interface ChannelLeases {
  /** The channels this node holds; completes when unsubscribed. */
  owned$: Observable<ReadonlySet<string>>;
  /** Call when the run of a channel has ended (see `runWhileLeased`'s `onEnd`). */
  ended(channelId: string): void;
  snapshot(): LeaseSnapshot;
  /** Leaves the cluster: removes the node's row and closes its connection, which frees every lock. */
  close(): Promise<void>;
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) =>
  a.size === b.size && [...a].every((x) => b.has(x));

/** The lease manager of one node (see the module comment). */
export function channelLeases(o: ChannelLeaseOptions): ChannelLeases {
  const gauges = clusterGauges();
  const owned = new Set<string>();
  /** Released channels whose run has not ended yet: neither held nor offered again. */
  const stopping = new Map<string, () => void>();
  let session: NodeSession | undefined;
  let ticks = 0;
  let lastBeat = Date.now();
  let share = 0;
  let liveNodes = 0;
  let closed = false;

  const dropSession = async (why: string) => {
    if (owned.size)
      o.log.warn({ node: o.nodeId, channels: [...owned] }, `cluster: ${why}; stopping its channels`);
    owned.clear();
    for (const done of stopping.values()) done();
    const old = session;
    session = undefined;
    await old?.close();
  };

  /** Unlocks a released channel once its run has ended and its rows flushed. */
  const release = (s: NodeSession, id: string) => {
    owned.delete(id);
    const ended = new Promise<void>((resolve) => stopping.set(id, resolve));
    void ended
      .then(() => new Promise((r) => setTimeout(r, SINK_BATCH_DEFAULTS.flushMs * 2)))
      .then(() => (s === session && !s.broken ? s.unlock(id) : undefined))
      .catch((err: Error) => o.log.warn({ channel: id, err: err.message }, 'cluster: unlock failed'))
      .finally(() => stopping.delete(id));
    o.log.info({ node: o.nodeId, channel: id }, `cluster: releasing ${id}`);
  };

  const judgePeers = async (s: NodeSession, peers: PeerNode[]) => {
    const live: PeerNode[] = [];
    for (const p of peers) {
      if (p.id === o.nodeId) live.push(p);
      else if (!p.connected) await s.forget(p);
      else if (p.heartbeatAgeMs > o.hungAfterMs) {
        o.log.warn(
          { node: p.id, heartbeatAgeMs: Math.round(p.heartbeatAgeMs) },
          'cluster: fencing a hung node',
        );
        await s.fence(p);
      } else live.push(p);
    }
    return live;
  };

  const tick = async (): Promise<ReadonlySet<string>> => {
    ticks++;
    try {
      if (session?.broken) await dropSession('lock connection lost');
      session ??= await o.openSession();
      const s = session;
      const states = Object.fromEntries([...owned].map((id) => [id, o.stateOf(id)]));
      if (!(await s.heartbeat(share, states))) {
        await dropSession('this node was fenced by another');
        return new Set(owned);
      }
      lastBeat = Date.now();
      const live = await judgePeers(s, await s.peers());
      liveNodes = Math.max(1, live.length);
      const elsewhere = new Set(
        live.filter((p) => p.id !== o.nodeId).flatMap((p) => Object.keys(p.channels)),
      );
      const decision = rebalance({
        channels: o.channels,
        owned,
        ownedElsewhere: elsewhere,
        liveNodes,
        maxChannels: o.maxChannels,
        offset: Math.abs(hash32(o.nodeId)),
      });
      share = decision.share;
      for (const id of decision.release) release(s, id);
      // The first tick only announces the node, so that nodes started together see each other first.
      if (ticks > 1 && !closed) {
        for (const id of decision.acquire) {
          if (owned.size >= share) break;
          if (stopping.has(id)) continue;
          if (await s.tryLock(id)) {
            owned.add(id);
            o.log.info({ node: o.nodeId, channel: id }, `cluster: acquired ${id}`);
          }
        }
      }
    } catch (err) {
      o.log.warn({ node: o.nodeId, err: (err as Error).message }, 'cluster: heartbeat failed');
      if (session?.broken) await dropSession('lock connection lost');
    }
    gauges.owned.set({ node: o.nodeId }, owned.size);
    gauges.share.set({ node: o.nodeId }, share);
    gauges.liveNodes.set({ node: o.nodeId }, liveNodes);
    gauges.heartbeatAge.set({ node: o.nodeId }, (Date.now() - lastBeat) / 1000);
    return new Set(owned);
  };

  const owned$ = defer(() => timer(0, o.heartbeatMs)).pipe(
    exhaustMap(() => tick()),
    distinctUntilChanged(sameSet),
    finalize(() => (closed = true)),
  );

  return {
    owned$,
    ended: (id) => stopping.get(id)?.(),
    snapshot: () => ({ share, liveNodes, owned: [...owned], heartbeatAgeMs: Date.now() - lastBeat }),
    async close() {
      closed = true;
      owned.clear();
      await session?.close();
      session = undefined;
    },
  };
}
