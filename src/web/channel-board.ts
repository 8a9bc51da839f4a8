/**
 * What the page shows per channel: state, totals, FPS in/out over the last seconds, latency from capture
 * to detection, queue depth, live view counters, and the recent channel status events. Fed by the
 * `runChannels` hooks (`onStart`, `onStatus`, `onResult`); read by `/api/channels`.
 */
import { histogram } from '../metrics/registry';
import { stageStats } from '../operators/stage-stats';
import { FRAME_BUFFER_STAGE } from '../pipelines/camera/stages';
import type { FrameResult } from '../pipelines/camera/channel';
import type { RunStarted } from '../pipelines/camera/run-channels';
import type { ChannelStatusEvent } from '../pipelines/camera/sources/frame-source';
import { registerChannelMetrics, type ChannelTotals } from './channel-metrics';
import type { LiveViewStats } from './live-view';

/** One channel as the page shows it. */
export interface ChannelCard extends ChannelTotals {
  error?: string;
  /** Frames read per second (processed + dropped + failed) over the last few seconds. */
  fpsIn: number;
  /** Frames processed per second over the last few seconds. */
  fpsOut: number;
  /** Capture to detection done, smoothed (ms). */
  latencyMs: number;
  /** Frames waiting in the frame buffer now. */
  queueDepth: number;
  /** Confirmed tracks in the last result. */
  activeTracks: number;
  /** Faces in the last result. */
  lastFaces: number;
  view: LiveViewStats;
}

/** A channel status event with a running id (the page shows new ones only). */
export interface BoardEvent {
  id: number;
  channel: string;
  state: string;
  at: number;
  detail?: string;
}

/** The JSON of `/api/channels`. */
export interface BoardSnapshot {
  runId?: number;
  started: boolean;
  at: number;
  channels: ChannelCard[];
  events: BoardEvent[];
}

export interface ChannelBoardOptions {
  /** Live view counters per channel. */
  viewStats?: (channel: string) => LiveViewStats;
  /** Window of the FPS rates (default 5 s). */
  rateWindowMs?: number;
  /** Status events kept (default 100). */
  maxEvents?: number;
  now?: () => number;
}

interface Sample {
  at: number;
  read: number;
  processed: number;
}

interface Live {
  latencyMs?: number;
  activeTracks: number;
  lastFaces: number;
  samples: Sample[];
}

const LATENCY_SMOOTHING = 0.1;

/** Per-channel status for the page and the per-channel Prometheus metrics of the current run. */
export class ChannelBoard {
  private run?: RunStarted;
  private readonly live = new Map<string, Live>();
  private readonly events: BoardEvent[] = [];
  private eventId = 0;
  private timer?: NodeJS.Timeout;
  private unregisterMetrics?: () => void;
  private readonly now: () => number;
  private readonly latency = histogram(
    'rxvision_channel_latency_seconds',
    'Time from frame capture to detection done',
    ['channel'],
  );

  constructor(private readonly options: ChannelBoardOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** True once a run is attached (its channels are known). */
  get started(): boolean {
    return this.run !== undefined;
  }

  /** Whether the attached run has a channel of this id (false before a run starts). */
  hasChannel(id: string): boolean {
    return this.run?.channels.has(id) ?? false;
  }

  /** The database of the attached run, if it uses one (for readiness). */
  get database(): RunStarted['database'] {
    return this.run?.database;
  }

  private liveOf(channel: string): Live {
    let l = this.live.get(channel);
    if (!l) {
      l = { activeTracks: 0, lastFaces: 0, samples: [] };
      this.live.set(channel, l);
    }
    return l;
  }

  /** `runChannels`' `onStart`: the run's live totals; starts sampling rates and exposing metrics. */
  readonly onStart = (run: RunStarted): void => {
    this.unregisterMetrics?.();
    this.run = run;
    this.unregisterMetrics = registerChannelMetrics(() => run.channels.values());
    if (!this.timer) {
      this.timer = setInterval(() => this.sample(), 500);
      this.timer.unref();
    }
    this.sample();
  };

  /** `runChannels`' `onStatus`. */
  readonly onStatus = (e: ChannelStatusEvent): void => {
    this.events.push({ id: ++this.eventId, channel: e.channel, state: e.state, at: e.at, detail: e.detail });
    const max = this.options.maxEvents ?? 100;
    if (this.events.length > max) this.events.splice(0, this.events.length - max);
  };

  /** `runChannels`' `onResult`: latency and the current faces/tracks. */
  readonly onResult = (r: FrameResult): void => {
    if (r.endOfStream) return; // no frame: only the final track events
    const l = this.liveOf(r.channel);
    const ms = r.detectedAt - r.capturedAt;
    l.latencyMs = l.latencyMs === undefined ? ms : l.latencyMs + LATENCY_SMOOTHING * (ms - l.latencyMs);
    this.latency.observe({ channel: r.channel }, ms / 1000);
    l.lastFaces = r.detections.length;
    l.activeTracks = r.tracking.tracks.filter((t) => t.state === 'confirmed').length;
  };

  /** Records the counts now for the FPS rates (the board's timer calls it). */
  sample(): void {
    if (!this.run) return;
    const at = this.now();
    const windowMs = this.options.rateWindowMs ?? 5000;
    for (const c of this.run.channels.values()) {
      const l = this.liveOf(c.id);
      l.samples.push({ at, read: c.frames + c.dropped + c.failedFrames, processed: c.frames });
      while (l.samples.length > 2 && at - l.samples[1].at >= windowMs) l.samples.shift();
    }
  }

  private rates(channel: string): { fpsIn: number; fpsOut: number } {
    const s = this.live.get(channel)?.samples ?? [];
    if (s.length < 2) return { fpsIn: 0, fpsOut: 0 };
    const first = s[0];
    const last = s[s.length - 1];
    const seconds = (last.at - first.at) / 1000;
    if (seconds <= 0) return { fpsIn: 0, fpsOut: 0 };
    return {
      fpsIn: (last.read - first.read) / seconds,
      fpsOut: (last.processed - first.processed) / seconds,
    };
  }

  /** The page's view of every channel now. */
  snapshot(): BoardSnapshot {
    const channels: ChannelCard[] = [...(this.run?.channels.values() ?? [])].map((c) => {
      const l = this.live.get(c.id);
      const round = (n: number) => Math.round(n * 10) / 10;
      const { fpsIn, fpsOut } = this.rates(c.id);
      return {
        id: c.id,
        state: c.state,
        error: c.error,
        frames: c.frames,
        dropped: c.dropped,
        failedFrames: c.failedFrames,
        faces: c.faces,
        tracks: c.tracks,
        fpsIn: round(fpsIn),
        fpsOut: round(fpsOut),
        latencyMs: round(l?.latencyMs ?? 0),
        queueDepth: stageStats(FRAME_BUFFER_STAGE, { channel: c.id })?.queueDepth ?? 0,
        activeTracks: l?.activeTracks ?? 0,
        lastFaces: l?.lastFaces ?? 0,
        view: this.options.viewStats?.(c.id) ?? {
          viewers: 0,
          copied: 0,
          encoded: 0,
          failed: 0,
          abandoned: 0,
        },
      };
    });
    return {
      runId: this.run?.runId,
      started: this.started,
      at: this.now(),
      channels,
      events: [...this.events],
    };
  }

  /** Stops sampling; the per-channel metrics keep the run's final totals. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unregisterMetrics?.();
    this.unregisterMetrics = undefined;
  }
}
