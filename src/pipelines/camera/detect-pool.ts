/**
 * Which pool runs a channel's detector. OpenCV loads in one thread per process, so Haar runs in its own
 * pool of processes (haarPool); every other detector runs in the shared detect threads (detectPool).
 */
import type { ChannelConfig } from '../../config/schema/channel';
import type { DetectApi } from '../../pools/kinds';
import { detectPool, haarPool } from '../../pools/kinds';
import type { WorkerPool } from '../../pools/pool';

/** The shared pool that runs `channel`'s detector (see the file header). */
export function detectPoolFor(channel: Pick<ChannelConfig, 'detector'>): WorkerPool<DetectApi> {
  return channel.detector.type === 'haar' ? haarPool() : detectPool();
}
