/**
 * One channel of a run: the run's options fanned out into the channel's hooks (status, drops, skipped
 * frames, pixels wanted, extension stages), its results counted in its summary, and its failure kept
 * from stopping the other channels.
 */
import { catchError, EMPTY, tap, type Observable, type Subject } from 'rxjs';
import type { ChannelConfig } from '../../config/schema/channel';
import type { Logger } from '../../util/logger';
import { scrubUrlMessage } from '../../util/redact';
import { createChannel, type ChannelDeps, type DetectFn, type FrameResult } from './channel';
import { countResult, type ChannelSummary } from './channel-summary';
import { usesFaceCrops } from './face-stages';
import type { CropDemand, FaceAnalysis } from './reid/face-analysis';
import type { RunChannelsOptions } from './run-options';
import type { ChannelStatusEvent } from './sources/frame-source';
import { anyWantsPixels, type WantsPixels } from './sources/wants-pixels';

/** What every channel of a run shares. */
export interface RunContext {
  options: RunChannelsOptions;
  /** The face stages' services when any channel runs them. */
  faces?: FaceAnalysis;
  /** The default detect function of a channel (the shared pool), given the channel's crop demand. */
  poolDetect: (channel: ChannelConfig, cropDemand?: () => CropDemand) => DetectFn;
  signal: AbortSignal;
  /** Status events of every channel (for the status rows). */
  status$: Subject<ChannelStatusEvent>;
  log: Logger;
}

/** Who wants the channel's full-frame pixels: its face stages' crop demand and the tap's viewers. */
export function channelWantsPixels(c: ChannelConfig, ctx: RunContext): WantsPixels | undefined {
  const { faces, options } = ctx;
  const tapWants = options.tapFrame ? (options.wantsPixels ?? (() => true)) : undefined;
  return anyWantsPixels(
    faces && usesFaceCrops(c) ? () => faces.wantsPixels(c.id) : undefined,
    tapWants && (() => tapWants(c.id)),
  );
}

/** A status event: in the summary and the log, on the status rows and to the caller. */
function onStatus(summary: ChannelSummary, ctx: RunContext) {
  return (event: ChannelStatusEvent): void => {
    // The one way status details reach the log, the status rows and the page: scrubbed here, whatever threw.
    const e = event.detail ? { ...event, detail: scrubUrlMessage(event.detail) } : event;
    summary.state = e.state;
    ctx.log[e.state === 'failed' || e.state === 'stalled' ? 'warn' : 'info'](
      { channel: e.channel, state: e.state, detail: e.detail },
      `channel ${e.channel}: ${e.state}`,
    );
    ctx.status$.next(e);
    ctx.options.onStatus?.(e);
  };
}

/** The channel's hooks, from the run's options. */
export function channelDeps(c: ChannelConfig, summary: ChannelSummary, ctx: RunContext): ChannelDeps {
  const { faces, options, log } = ctx;
  const demand = faces ? () => faces.cropDemand(c.id) : undefined;
  return {
    detect: options.detect?.(c) ?? ctx.poolDetect(c, demand),
    signal: ctx.signal,
    maxFrames: options.maxFrames,
    wantsPixels: channelWantsPixels(c, ctx),
    // The caller's stages first, then the face stage (Re-ID, gender/age) when the channel runs one.
    stages: [...(options.stages?.(c) ?? []), ...[faces?.stage(c)].filter((s) => s !== undefined)],
    tapFrame: options.tapFrame,
    onStatus: onStatus(summary, ctx),
    onDrop: () => summary.dropped++,
    onFrameError: (err) => {
      summary.failedFrames++;
      log.warn({ channel: c.id, err: err.message }, 'frame skipped');
    },
  };
}

/** The channel's results, counted in its summary; a failure ends this channel only. */
export function channelResults(
  c: ChannelConfig,
  summary: ChannelSummary,
  ctx: RunContext,
): Observable<FrameResult> {
  return createChannel(c, channelDeps(c, summary, ctx)).pipe(
    tap((r) => {
      ctx.options.onResult?.(r);
      countResult(summary, r);
    }),
    catchError((err: Error) => {
      summary.state = 'failed';
      summary.error = scrubUrlMessage(err.message);
      ctx.log.error({ channel: c.id, err: summary.error }, `channel ${c.id} failed; the others go on`);
      return EMPTY;
    }),
  );
}
