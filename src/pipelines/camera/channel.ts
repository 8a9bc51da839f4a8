/**
 * One camera channel as an Observable: frame source -> bounded buffer -> detection in the shared pool ->
 * IoU tracking -> extension stages (Re-ID, gender/age) -> results. Sinks subscribe to the results; the
 * channel itself never writes anywhere, so it can be embedded and composed freely.
 */
import { concat, defer, EMPTY, from, map, Observable, of, type OperatorFunction } from 'rxjs';
import type { ChannelConfig } from '../../config/schema/channel';
import { boundedBuffer, type BufferPolicy } from '../../operators/bounded-buffer';
import { inPool } from '../../operators/in-pool';
import { pullFrom } from '../../operators/pull-from';
import type { Detection, Frame, InputLayout } from '../../kernels/frame';
import type { TrackAttributesById } from '../../kernels/track-attributes';
import { readFrames, type ChannelStatusEvent } from './sources/frame-source';
import { frameBufferOf } from './sources/frame-buffer';
import type { WantsPixels } from './sources/wants-pixels';
import { faceStagesOf, usesFaceCrops } from './face-stages';
import { DETECT_STAGE, FRAME_BUFFER_STAGE } from './stages';
import { createTracker, trackerOptions, type TrackUpdate } from './tracker';
import { createTrackPredictor, detectEvery, type Scheduled } from './detect-every';

/** What one processed frame yields: its identity and timing, the faces found and the tracker's view. */
export interface FrameResult {
  channel: string;
  seq: number;
  capturedAt: number;
  width: number;
  height: number;
  /** When detection finished (ms, Date.now()). */
  detectedAt: number;
  detections: Detection[];
  /** Tracks after this frame and the lifecycle events it caused; `trackIds[i]` belongs to `detections[i]`. */
  tracking: TrackUpdate;
  /**
   * Set on the one extra result emitted when the source ends: no frame, only the `ended` events of the
   * tracks still alive (so their final rows are written).
   */
  endOfStream?: boolean;
  /** What extension stages found out about the tracks (identity, gender, age...), by track id. */
  attributes?: TrackAttributesById;
  /**
   * Set on frames not given to the detector (channel `detectEvery`): no detections; `tracking.tracks` holds
   * the live tracks at their predicted boxes, with no events.
   */
  predicted?: true;
}

/**
 * Detects faces in one frame; in production a call into the shared `detect` pool. A detect function
 * that can take decoder-resized frames says so with `inputLayout` (the detector's input); frames then
 * carry `resized` instead of full pixels unless something needs them. It may answer with an Observable
 * emitting once (tests on virtual time do).
 */
export type DetectFn = ((frame: Frame) => Promise<Detection[]> | Observable<Detection[]>) & {
  inputLayout?: () => Promise<InputLayout | undefined>;
};

/** What a channel needs from its surroundings. */
export interface ChannelDeps {
  detect: DetectFn;
  /** Source lifecycle events (connecting, live, stalled, reconnecting, ended, failed). */
  onStatus?: (event: ChannelStatusEvent) => void;
  /** Called for every frame dropped by the buffer. */
  onDrop?: (frame: Frame, reason: string) => void;
  /** Called for every frame whose detection failed (it is skipped; the channel goes on). */
  onFrameError?: (error: Error, frame: Frame) => void;
  /** Aborting stops the source; frames already read still flow through. */
  signal?: AbortSignal;
  /** Extension stages after tracking (Re-ID, gender/age...). */
  stages?: Array<OperatorFunction<FrameResult, FrameResult>>;
  /**
   * Who wants full-frame pixels (face crops for Re-ID or gender/age, a live-view watcher). Given, the
   * decoder under `fullFrames: 'auto'` adds a full frame every `fullFrameEvery` frames and asks it as each
   * one is due: a frame nobody wants right now is drained unread and goes on with the detector input only.
   * Undefined: nothing wants pixels, so no full frames are decoded beside the detector's.
   */
  wantsPixels?: WantsPixels;
  /** Overrides `config.maxFrames` (the CLI's --frames). */
  maxFrames?: number;
  /**
   * Sees each frame just before detection, while its pixels are still on this thread (detection transfers
   * them away). Must be cheap and must not keep `frame.data` (copy what it needs): the live view uses it.
   * Frames carry full pixels only when `wantsPixels` asks for them.
   */
  tapFrame?: (frame: Frame) => void;
  /** The channel's frames (default {@link channelSource}: FFmpeg or an image folder, per `config.source`). */
  source?: FrameSourceFactory;
}

/** What a frame source is opened with. */
export type FrameSourceDeps = Pick<
  ChannelDeps,
  'onStatus' | 'signal' | 'maxFrames' | 'detect' | 'wantsPixels'
>;

/** Opens a channel's frames as a stream (see {@link channelSource}). */
export type FrameSourceFactory = (config: ChannelConfig, deps: FrameSourceDeps) => Observable<Frame>;

/** Live sources and paced files keep frames by age; files read as fast as possible wait ({@link frameBufferOf}). */
export function defaultBufferPolicy(config: ChannelConfig): BufferPolicy {
  return frameBufferOf(config).policy;
}

/** What the decoder hands over: full frames only (no `resize`), or the detector input plus maybe full frames. */
export interface DecoderOutputs {
  /** Letterbox every frame to this detector input. */
  resize?: InputLayout;
  /** With `resize`: a full frame every this many frames (undefined: none). */
  fullEvery?: number;
}

/**
 * Chooses the decoder's outputs from `fullFrames`: 'always' gives full frames only; 'never' the resized
 * input only (failing when the detector or the channel's face stages need full frames); 'auto' the resized
 * input, plus a full frame every `fullFrameEvery` frames when something may want pixels (`wantsPixels`).
 * A detector without a fixed input (Haar) always gets full frames.
 */
export async function decoderOutputs(
  config: ChannelConfig,
  deps: Pick<ChannelDeps, 'detect' | 'wantsPixels'>,
): Promise<DecoderOutputs> {
  const mode = config.fullFrames;
  if (mode === 'always') return {};
  // In 'auto' a detector that cannot be asked (not opened yet, model missing) just gets full frames; its
  // own errors then show up per frame as before.
  const layout = deps.detect?.inputLayout
    ? await deps.detect.inputLayout().catch((err: unknown) => {
        if (mode === 'never') throw err;
        return undefined;
      })
    : undefined;
  if (mode === 'never') {
    if (!layout)
      throw new Error(`channel ${config.id}: fullFrames is 'never' but its detector needs full frames`);
    if (usesFaceCrops(config)) {
      throw new Error(
        `channel ${config.id}: fullFrames is 'never' but Re-ID / gender-age need face crops from full frames`,
      );
    }
    return { resize: layout };
  }
  if (!layout) return {};
  return deps.wantsPixels ? { resize: layout, fullEvery: fullFrameEvery(config) } : { resize: layout };
}

/**
 * Every how many frames a full frame comes along: the config's `fullFrameEvery`, else the cadence of the
 * face stages (their `everyFrames`: they use crops no more often), else 5.
 */
export function fullFrameEvery(config: ChannelConfig): number {
  if (config.fullFrameEvery) return config.fullFrameEvery;
  const { reid, demographics } = faceStagesOf(config);
  const cadences = [reid?.everyFrames, demographics?.everyFrames].filter((n): n is number => n !== undefined);
  return cadences.length > 0 ? Math.min(...cadences) : 5;
}

/**
 * The default {@link FrameSourceFactory}: the channel's source read by FFmpeg (or an image folder), pulled
 * on demand under `wait`, pushed otherwise.
 */
export function channelSource(config: ChannelConfig, deps: FrameSourceDeps): Observable<Frame> {
  const frames = async function* () {
    const outputs = await decoderOutputs(config, deps);
    yield* readFrames({
      channel: config.id,
      source: config.source,
      pace: config.pace,
      loop: config.loop,
      decoderThreads: config.decoderThreads,
      stallTimeoutMs: config.stallTimeoutMs,
      reconnect: config.reconnect,
      maxFrames: deps.maxFrames ?? config.maxFrames,
      onStatus: deps.onStatus,
      signal: deps.signal,
      wantsPixels: deps.wantsPixels,
      ...outputs,
    });
  };
  return defaultBufferPolicy(config) === 'wait' ? pullFrom(frames()) : from(frames());
}

/**
 * Builds one channel's pipeline. Subscribing starts the source; the Observable completes when the source
 * ends (or `signal` aborts and the frames in flight are done) and errors only when the source fails
 * for good (missing file, exhausted reconnects). A frame whose detection fails is skipped and reported.
 */
export function createChannel(config: ChannelConfig, deps: ChannelDeps): Observable<FrameResult> {
  const labels = { channel: config.id };
  const tracker = createTracker(trackerOptions(config.tracker));
  const predictor = createTrackPredictor();
  let last: FrameResult | undefined;

  const results$ = (deps.source ?? channelSource)(config, deps).pipe(
    boundedBuffer<Frame>({
      ...frameBufferOf(config),
      stage: FRAME_BUFFER_STAGE,
      labels,
      onDrop: deps.onDrop ? (frame, reason) => deps.onDrop?.(frame, reason) : undefined,
    }),
    detectEvery<Frame>(config.detectEvery),
    inPool(
      ({ frame, detect }: Scheduled<Frame>) => {
        const meta = {
          channel: frame.channel,
          seq: frame.seq,
          capturedAt: frame.capturedAt,
          width: frame.width,
          height: frame.height,
        };
        deps.tapFrame?.(frame);
        if (!detect) return of({ ...meta, detections: [], detectedAt: Date.now(), predicted: true });
        return from(deps.detect(frame)).pipe(
          map((detections) => ({ ...meta, detections, detectedAt: Date.now() })),
        );
      },
      {
        concurrency: config.detectConcurrency,
        ordered: true, // the tracker needs frames in order
        onError: 'skip',
        stage: DETECT_STAGE,
        labels,
        identify: ({ frame }) => `${frame.channel}#${frame.seq}`,
        onSkip: (err, { frame }) => deps.onFrameError?.(err, frame),
      },
    ),
    map((r): FrameResult => {
      const tracking =
        'predicted' in r
          ? predictor.predict(r.seq, r.capturedAt)
          : predictor.observe(tracker.update(r.detections, r.seq, r.capturedAt));
      last = { ...r, tracking };
      return last;
    }),
  );

  // At the end every live track ends, so its final row (ended_at, frames) is written. The closing result
  // goes through the extension stages too, so they can finish their tracks (identity, demographics).
  const closing$ = defer(() => {
    if (!last) return EMPTY;
    const events = tracker.finish(last.seq + 1, Date.now());
    if (events.length === 0) return EMPTY;
    return of<FrameResult>({
      ...last,
      detections: [],
      tracking: { seq: last.seq + 1, timestamp: Date.now(), tracks: [], events, trackIds: [] },
      attributes: undefined,
      endOfStream: true,
    });
  });
  return (deps.stages ?? []).reduce<Observable<FrameResult>>(
    (acc, stage) => acc.pipe(stage),
    concat(results$, closing$),
  );
}
