/**
 * Per-channel Prometheus metrics read from the runs' own totals at scrape time, so `/metrics` always
 * equals what `runChannels` reports: frames, drops, failed frames, faces, confirmed tracks, and the
 * channel state as a state set. Nothing is counted twice on the hot path.
 */
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../metrics/registry';
import type { ChannelSummary } from '../pipelines/camera/run-channels';

/** The totals of one channel, as the camera runner keeps them. */
export type ChannelTotals = Omit<ChannelSummary, 'error'>;

type TotalKey = 'frames' | 'dropped' | 'failedFrames' | 'faces' | 'tracks';

/** The states a channel can be in (the state-set gauge reports each, 1 for the current one). */
export const CHANNEL_STATES = ['pending', 'connecting', 'live', 'stalled', 'reconnecting', 'ended', 'failed'];

const COUNTERS: Array<{ key: TotalKey; name: string; help: string }> = [
  { key: 'frames', name: 'rxvision_channel_frames_total', help: 'Frames processed (detected and tracked)' },
  { key: 'dropped', name: 'rxvision_channel_dropped_total', help: 'Frames dropped by the frame buffer' },
  {
    key: 'failedFrames',
    name: 'rxvision_channel_failed_frames_total',
    help: 'Frames skipped after a failure',
  },
  { key: 'faces', name: 'rxvision_channel_faces_total', help: 'Faces detected' },
  { key: 'tracks', name: 'rxvision_channel_tracks_total', help: 'Tracks confirmed' },
];

const sources = new Set<() => Iterable<ChannelTotals>>();
/** Final totals of sources that were unregistered, so counters never go down within a process. */
const retired = new Map<string, Record<TotalKey, number>>();
const lastState = new Map<string, string>();

function currentTotals(): Map<string, Record<TotalKey, number>> {
  const totals = new Map<string, Record<TotalKey, number>>();
  for (const [id, t] of retired) totals.set(id, { ...t });
  for (const source of sources) {
    for (const c of source()) {
      const t = totals.get(c.id) ?? { frames: 0, dropped: 0, failedFrames: 0, faces: 0, tracks: 0 };
      for (const { key } of COUNTERS) t[key] += c[key];
      totals.set(c.id, t);
      lastState.set(c.id, c.state);
    }
  }
  return totals;
}

let registered = false;

function ensureMetrics(): void {
  if (registered && metricsRegistry.getSingleMetric(COUNTERS[0].name)) return;
  registered = true;
  for (const { key, name, help } of COUNTERS) {
    if (metricsRegistry.getSingleMetric(name)) continue;
    new Counter({
      name,
      help,
      labelNames: ['channel'],
      registers: [metricsRegistry],
      collect() {
        this.reset();
        for (const [channel, t] of currentTotals()) this.inc({ channel }, t[key]);
      },
    });
  }
  if (!metricsRegistry.getSingleMetric('rxvision_channel_state')) {
    new Gauge({
      name: 'rxvision_channel_state',
      help: 'Channel state as a state set: 1 for the current state',
      labelNames: ['channel', 'state'],
      registers: [metricsRegistry],
      collect() {
        this.reset();
        currentTotals(); // refreshes lastState
        for (const [channel, current] of lastState) {
          for (const state of CHANNEL_STATES) this.set({ channel, state }, state === current ? 1 : 0);
        }
      },
    });
  }
}

/**
 * Exposes the totals `source` returns (read at every scrape) as per-channel metrics. The returned
 * function stops reading the source and keeps its last totals in the counters.
 */
export function registerChannelMetrics(source: () => Iterable<ChannelTotals>): () => void {
  ensureMetrics();
  sources.add(source);
  return () => {
    if (!sources.delete(source)) return;
    for (const c of source()) {
      const t = retired.get(c.id) ?? { frames: 0, dropped: 0, failedFrames: 0, faces: 0, tracks: 0 };
      for (const { key } of COUNTERS) t[key] += c[key];
      retired.set(c.id, t);
      lastState.set(c.id, c.state);
    }
  };
}
