import { setTimeout as sleep } from 'node:timers/promises';
import type { Frame, InputLayout } from '../../../kernels/frame';
import { openFfmpegReader, SourceChangedError, type FfmpegReaderOptions } from './ffmpeg-reader';
import { openImageFolderReader } from './image-folder-reader';
import { SourceError, type RawFrame, type RawFrameReader, type SourceInfo } from './raw-reader';
import { parseSource, type SourceSpec } from './source-uri';
import type { WantsPixels } from './wants-pixels';
import { backoffMs } from '../../../util/backoff';
import { UnreachableError } from './reachable';

/** Lifecycle of a channel's source, logged and stored as channel status events. */
export type ChannelState = 'connecting' | 'live' | 'stalled' | 'reconnecting' | 'ended' | 'failed';

export interface ChannelStatusEvent {
  channel: string;
  state: ChannelState;
  at: number;
  /** Why (errors are already free of credentials). */
  detail?: string;
  info?: SourceInfo;
}

export interface FrameSourceOptions {
  channel: string;
  source: string;
  /**
   * Pacing: a number (frames per second), `native` (the source's own rate; the default for files and image
   * folders, 25 FPS when unknown) or `asap` (as fast as possible). Live sources are never slowed down.
   */
  pace?: number | 'native' | 'asap';
  /** Restart a file or image sequence at its end. */
  loop?: boolean;
  /** A read that takes longer than this marks the source stalled and reconnects. */
  stallTimeoutMs?: number;
  reconnect?: { baseMs?: number; maxMs?: number; maxAttempts?: number };
  /** Stop after this many frames. */
  maxFrames?: number;
  /** FFmpeg decoder threads per source (default 1). */
  decoderThreads?: number;
  /**
   * Ask the decoder for frames letterboxed to this detector input instead of full frames (FFmpeg sources;
   * image folders still give full frames). Frames then carry `resized` and no `data`.
   */
  resize?: InputLayout;
  /** With `resize`: also hand over every Nth full frame as `data` (the frames in between have none). */
  fullEvery?: number;
  /** With `fullEvery`: whether a due full frame is wanted now (see `FfmpegReaderOptions.wantsPixels`). */
  wantsPixels?: WantsPixels;
  onStatus?: (event: ChannelStatusEvent) => void;
  signal?: AbortSignal;
}

/**
 * Opens the reader of a source: image folders are decoded with sharp; every video source (file, network
 * stream, V4L2 device) by an FFmpeg child process, so decoding runs on another core and the main thread
 * holds no native decoder. (OpenCV's VideoCapture is not used: @u4/opencv4nodejs works in one thread per
 * process only, and that thread belongs to the detect workers that need it.)
 */
export function openReader(spec: SourceSpec, options: FfmpegReaderOptions = {}): Promise<RawFrameReader> {
  return spec.kind === 'images' ? openImageFolderReader(spec) : openFfmpegReader(spec, options);
}

class StallError extends Error {}

/**
 * Reconnect backoff defaults: the first retry after a quarter second, doubling up to one second. While a
 * network stream's server is away each attempt is a TCP check only (sources/reachable.ts), repeated every
 * `baseMs`, so the stream is live again soon after it returns.
 */
export const RECONNECT_DEFAULTS = { baseMs: 250, maxMs: 1000 } as const;

async function readWithWatchdog(reader: RawFrameReader, ms: number): Promise<RawFrame | null> {
  let timer: NodeJS.Timeout | undefined;
  const stall = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StallError(`no frame for ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([reader.read(), stall]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a channel's frames as an async iterable: pulled one at a time, so a consumer that pulls only
 * when it has room (boundedBuffer 'wait') never lets a file run ahead, while a live consumer pulls
 * continuously. Streams reconnect with exponential backoff; a read that hangs longer than
 * `stallTimeoutMs` is abandoned (the decoder is closed and reopened). Status changes go to `onStatus`.
 * Ends when the source ends (files without `loop`), on `signal` abort, after `maxFrames`, or with a
 * {@link SourceError} when the source is permanently unusable or reconnects are exhausted.
 */
export async function* readFrames(options: FrameSourceOptions): AsyncGenerator<Frame> {
  const spec = parseSource(options.source);
  const stallMs = options.stallTimeoutMs ?? 10_000;
  const {
    baseMs = RECONNECT_DEFAULTS.baseMs,
    maxMs = RECONNECT_DEFAULTS.maxMs,
    maxAttempts = Infinity,
  } = options.reconnect ?? {};
  const live = spec.kind === 'stream' || spec.kind === 'device';
  let lastStatus = '';
  const status = (state: ChannelState, detail?: string, info?: SourceInfo) => {
    // Retries of an absent stream repeat the same event every second or so: report it once.
    const key = `${state}\n${detail ?? ''}`;
    if (key === lastStatus && !info) return;
    lastStatus = key;
    options.onStatus?.({ channel: options.channel, state, at: Date.now(), detail, info });
  };
  // A stream's geometry from its last connection: reconnects skip the probe (see FfmpegReaderOptions).
  let known: SourceInfo | undefined;

  let seq = 0;
  let attempt = 0;
  // While a stream's server does not even accept a connection, the check is all an attempt costs: poll at
  // the base interval, so the stream is picked up soon after it returns. Other failures back off.
  const retryPause = (err?: unknown) => {
    attempt++;
    const ms = err instanceof UnreachableError ? baseMs : backoffMs(attempt, { baseMs, maxMs });
    return sleep(ms, undefined, { signal: options.signal }).catch(() => undefined);
  };
  let clockStart = 0;
  let clockFrames = 0;
  status('connecting', spec.display);
  try {
    outer: while (!options.signal?.aborted) {
      let reader: RawFrameReader;
      try {
        reader = await openReader(spec, {
          timeoutMs: stallMs,
          threads: options.decoderThreads,
          resize: options.resize,
          loop: options.loop,
          fullEvery: options.fullEvery,
          wantsPixels: options.wantsPixels,
          knownInfo: spec.kind === 'stream' ? known : undefined,
        });
      } catch (err) {
        if (err instanceof SourceChangedError) known = undefined;
        const permanent = err instanceof SourceError ? err.permanent : false;
        if (permanent || attempt >= maxAttempts) throw err;
        status('reconnecting', (err as Error).message);
        await retryPause(err);
        continue;
      }
      // Files and image sequences play at their own rate unless told otherwise; a live source paces itself.
      const fps =
        options.pace === 'asap'
          ? undefined
          : typeof options.pace === 'number'
            ? options.pace
            : live
              ? undefined
              : (reader.info.fps ?? 25);
      let wentLive = false;
      let ended = false;
      try {
        while (!options.signal?.aborted) {
          const raw = await readWithWatchdog(reader, stallMs);
          if (raw === null) {
            ended = true;
            break;
          }
          if (!wentLive) {
            wentLive = true;
            attempt = 0;
            known = reader.info;
            status('live', undefined, reader.info);
          }
          if (fps) {
            // Schedule against a clock so pacing does not drift with processing time.
            if (clockFrames === 0) clockStart = performance.now();
            const due = clockStart + (clockFrames++ * 1000) / fps;
            const wait = due - performance.now();
            if (wait > 1) await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
            if (options.signal?.aborted) break;
          }
          const frame: Frame = {
            channel: options.channel,
            seq: seq++,
            capturedAt: Date.now(),
            width: reader.info.width,
            height: reader.info.height,
          };
          if (raw.data) frame.data = raw.data;
          if (reader.resized && raw.resized) frame.resized = { ...reader.resized, data: raw.resized };
          yield frame;
          if (options.maxFrames !== undefined && seq >= options.maxFrames) break outer;
        }
      } catch (err) {
        if (err instanceof SourceError && err.permanent) throw err;
        if (attempt >= maxAttempts) throw err;
        status(err instanceof StallError ? 'stalled' : 'reconnecting', (err as Error).message);
        await retryPause();
        continue;
      } finally {
        void reader.close().catch(() => undefined);
      }
      if (!ended) break; // aborted
      if (live) {
        // A live stream that ends has dropped: reconnect.
        if (attempt >= maxAttempts)
          throw new SourceError(`${spec.display}: stream ended, reconnects exhausted`, false);
        status('reconnecting', 'stream ended');
        await retryPause();
        continue;
      }
      if (!options.loop) break;
    }
    status('ended');
  } catch (err) {
    status('failed', (err as Error).message);
    throw err;
  }
}
