/** Who a cluster node is, and the advisory-lock keys of its channels. */
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';

/** A node's default name: host, process id and a random suffix (a restarted process is a new node). */
export function defaultNodeId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** The first 32 bits of SHA-256 of `text`, as a signed int4 (what pg_try_advisory_lock(int, int) takes). */
export function hash32(text: string): number {
  return createHash('sha256').update(text, 'utf8').digest().readInt32BE(0);
}

/**
 * The two-int advisory lock key of a channel: (hash of the namespace, hash of the channel id). PostgreSQL
 * keeps two-int keys apart from one-bigint keys (which pg-boss uses), so the two never collide.
 */
export function channelLockKey(namespace: string, channelId: string): readonly [number, number] {
  return [hash32(`rxvision.channels:${namespace}`), hash32(channelId)];
}

/**
 * Channel ids whose lock keys collide (same 32-bit hash). Harmless for exactly-once (a lock is never
 * shared by two nodes) but such channels always run on the same node; the run warns about them.
 */
export function lockKeyCollisions(namespace: string, channelIds: readonly string[]): string[][] {
  const byKey = new Map<number, string[]>();
  for (const id of channelIds) {
    const key = channelLockKey(namespace, id)[1];
    byKey.set(key, [...(byKey.get(key) ?? []), id]);
  }
  return [...byKey.values()].filter((ids) => ids.length > 1);
}
