/**
 * The live view: annotated JPEGs of the channels, only while someone watches. Per watched channel it
 * copies the pixels of at most `fps` frames a second (before detection moves them to a worker), waits for
 * that frame's result, encodes an annotated JPEG off the main thread and hands it to the watchers. With
 * nobody watching a channel, `tapFrame` is one map look-up: no copy, no encoding.
 */
import type { FrameResult } from '../pipelines/camera/channel';
import type { ChannelWantsPixels } from '../pipelines/camera/sources/wants-pixels';
import type { Frame, FrameImage } from '../kernels/frame';
import { counter, gauge, histogram } from '../metrics/registry';
import { encodePool } from '../pools/kinds';
import { toTransferable } from '../pools/transfer';
import { overlayItems, type OverlayItem } from '../kernels/overlay';

/** One annotated frame ready to send. */
export interface LiveFrame {
  channel: string;
  seq: number;
  width: number;
  height: number;
  jpeg: Buffer;
  /** When it was encoded (ms). */
  at: number;
}

/** Encodes a frame with its overlay into a JPEG (the `encode` pool in production). */
export type EncodeFn = (
  image: FrameImage,
  items: OverlayItem[],
  footer: string,
  identity: string,
) => Promise<{ jpeg: Buffer; width: number; height: number }>;

/** Per-channel counters of the live view. */
export interface LiveViewStats {
  viewers: number;
  /** Frames whose pixels were copied for encoding. */
  copied: number;
  encoded: number;
  failed: number;
  /** Copies whose result never came (the frame's detection failed). */
  abandoned: number;
  lastSeq?: number;
}

export interface LiveViewOptions {
  /** Annotated frames per second per watched channel. */
  fps: number;
  encode: EncodeFn;
  /** Clock (ms); tests pass their own. */
  now?: () => number;
  onError?: (error: Error, channel: string) => void;
}

type Listener = (frame: LiveFrame) => void;

interface PendingCopy {
  seq: number;
  width: number;
  height: number;
  data: Uint8Array;
}

interface ChannelView {
  listeners: Set<Listener>;
  lastTapAt: number;
  pending?: PendingCopy;
  encoding: boolean;
  latest?: LiveFrame;
  stats: Omit<LiveViewStats, 'viewers'>;
}

const viewersGauge = () =>
  gauge('rxvision_live_view_viewers', 'Live view clients watching a channel', ['channel']);
const framesCounter = () =>
  counter('rxvision_live_view_frames_total', 'Annotated live view frames encoded', ['channel']);
const encodeSeconds = () =>
  histogram('rxvision_live_view_encode_seconds', 'Live view frame encoding (copy to JPEG ready)', [
    'channel',
  ]);

/** Live annotated frames per channel for watchers; see the module comment for the cost model. */
export class LiveView {
  private readonly channels = new Map<string, ChannelView>();
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: LiveViewOptions) {
    if (!(options.fps > 0)) throw new Error(`live view: fps must be positive, got ${options.fps}`);
    this.minIntervalMs = 1000 / options.fps;
    this.now = options.now ?? Date.now;
  }

  private view(channel: string): ChannelView {
    let v = this.channels.get(channel);
    if (!v) {
      v = {
        listeners: new Set(),
        lastTapAt: -Infinity,
        encoding: false,
        stats: { copied: 0, encoded: 0, failed: 0, abandoned: 0 },
      };
      this.channels.set(channel, v);
    }
    return v;
  }

  /** Starts sending `channel`'s annotated frames to `listener`; returns the function that stops it. */
  watch(channel: string, listener: Listener): () => void {
    if (this.closed) throw new Error('live view is closed');
    const v = this.view(channel);
    v.listeners.add(listener);
    viewersGauge().set({ channel }, v.listeners.size);
    return () => {
      if (!v.listeners.delete(listener)) return;
      viewersGauge().set({ channel }, v.listeners.size);
      if (v.listeners.size === 0) v.pending = undefined;
    };
  }

  /** Watchers of a channel now. */
  viewers(channel: string): number {
    return this.channels.get(channel)?.listeners.size ?? 0;
  }

  /** The last annotated frame of a channel, if any was encoded. */
  latest(channel: string): LiveFrame | undefined {
    return this.channels.get(channel)?.latest;
  }

  stats(channel: string): LiveViewStats {
    const v = this.channels.get(channel);
    return v
      ? { viewers: v.listeners.size, ...v.stats }
      : { viewers: 0, copied: 0, encoded: 0, failed: 0, abandoned: 0 };
  }

  /** The `wantsPixels` hook of `runChannels`: only watched channels need their full frames decoded. */
  readonly wantsPixels: ChannelWantsPixels = (channel) => this.viewers(channel) > 0;

  /** The `tapFrame` hook of `runChannels`: copies a watched channel's frame when its turn has come. */
  readonly tapFrame = (frame: Frame): void => {
    const v = this.channels.get(frame.channel);
    // Without full frames (fullFrames: 'never') there is no picture to show; counters still move.
    if (!frame.data || !v || v.listeners.size === 0 || v.pending || v.encoding) return;
    const t = this.now();
    if (t - v.lastTapAt < this.minIntervalMs) return;
    v.lastTapAt = t;
    v.pending = { seq: frame.seq, width: frame.width, height: frame.height, data: frame.data.slice() };
    v.stats.copied++;
  };

  /** The `onResult` hook of `runChannels`: encodes the copied frame once its result is known. */
  readonly onResult = (result: FrameResult): void => {
    if (result.endOfStream) return;
    const v = this.channels.get(result.channel);
    const pending = v?.pending;
    if (!v || !pending || result.seq < pending.seq) return;
    v.pending = undefined;
    if (result.seq > pending.seq) {
      v.stats.abandoned++; // its detection failed: no result will come for it
      return;
    }
    v.encoding = true;
    const started = this.now();
    const footer = `${result.channel}  #${result.seq}  faces ${result.detections.length}  tracks ${result.tracking.tracks.filter((t) => t.state === 'confirmed').length}`;
    this.options
      .encode(pending, overlayItems(result), footer, `${result.channel}#${result.seq}`)
      .then((encoded) => {
        v.stats.encoded++;
        v.stats.lastSeq = result.seq;
        framesCounter().inc({ channel: result.channel });
        encodeSeconds().observe({ channel: result.channel }, (this.now() - started) / 1000);
        const frame: LiveFrame = { channel: result.channel, seq: result.seq, ...encoded, at: this.now() };
        v.latest = frame;
        for (const listener of [...v.listeners]) listener(frame);
      })
      .catch((err: Error) => {
        v.stats.failed++;
        if (!this.closed) this.options.onError?.(err, result.channel); // after close: pools are going away
      })
      .finally(() => {
        v.encoding = false;
      });
  };

  /** Forgets every watcher; later taps do nothing. */
  close(): void {
    this.closed = true;
    for (const [channel, v] of this.channels) {
      v.listeners.clear();
      v.pending = undefined;
      viewersGauge().set({ channel }, 0);
    }
  }
}

/** Settings of {@link poolEncoder}. */
export interface PoolEncoderOptions {
  quality: number;
  maxWidth: number;
  /** Threads of the `encode` pool (default 1; `pools.encode.size` in the config overrides it). */
  poolSize?: number;
}

/**
 * An {@link EncodeFn} backed by the shared `encode` worker pool (sharp/libvips). The pool starts on the
 * first frame encoded, so a run nobody watches never starts it. The frame copy is transferred, not copied.
 */
export function poolEncoder(options: PoolEncoderOptions): EncodeFn {
  return async (image, items, footer, identity) => {
    const pool = encodePool({ size: options.poolSize ?? 1 });
    const buffer = toTransferable(image.data);
    const r = await pool.run(
      'annotate',
      [
        image.width,
        image.height,
        buffer,
        items,
        { quality: options.quality, maxWidth: options.maxWidth, footer },
      ],
      { transfer: [buffer], identity },
    );
    return { jpeg: Buffer.from(r.jpeg), width: r.width, height: r.height };
  };
}
