/**
 * A camera run on live sources driven from a test: started in the background, watched through its status
 * events and results, stopped on request. Used by the RTSP tests (test/camera/rtsp-live.test.ts,
 * test/faults/streams.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RxvisionConfig } from '../../src/config';
import type { FrameResult } from '../../src/pipelines/camera/channel';
import type { ChannelSummary } from '../../src/pipelines/camera/channel-summary';
import { runChannels } from '../../src/pipelines/camera/run-channels';
import type { RunChannelsSummary } from '../../src/pipelines/camera/run-options';
import type { ChannelStatusEvent } from '../../src/pipelines/camera/sources/frame-source';
import { createShutdown } from '../../src/runtime/shutdown';

export interface LiveRun {
  /** Per-channel totals, updated as the run goes. */
  totals(): ReadonlyMap<string, Readonly<ChannelSummary>>;
  readonly statuses: ChannelStatusEvent[];
  /** Every processed frame's channel and capture time, in order of processing. */
  readonly frames: Array<{ channel: string; capturedAt: number }>;
  readonly results: FrameResult[];
  /** When `channel` next went live at or after `after` (ms, Date.now()); rejects after `timeoutMs`. */
  liveAt(channel: string, after: number, timeoutMs?: number): Promise<number>;
  /** Frames of `channel` captured in [from, to). */
  framesBetween(channel: string, from: number, to: number): number;
  /** Stops the sources and waits for the run to finish. */
  stop(): Promise<RunChannelsSummary>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `runChannels(config)` writing JSON Lines into a temp folder. */
export async function startLiveRun(config: RxvisionConfig): Promise<LiveRun> {
  const shutdown = createShutdown({ signals: [], exit: () => undefined });
  const statuses: ChannelStatusEvent[] = [];
  const frames: Array<{ channel: string; capturedAt: number }> = [];
  const results: FrameResult[] = [];
  let totals: ReadonlyMap<string, Readonly<ChannelSummary>> = new Map();
  let started!: () => void;
  const ready = new Promise<void>((r) => (started = r));
  const done = runChannels(config, {
    output: { type: 'jsonl', dir: mkdtempSync(path.join(os.tmpdir(), 'rxv-live-')) },
    shutdown,
    statusLine: false,
    onStatus: (e) => statuses.push(e),
    onResult: (r) => {
      if (r.endOfStream) return;
      frames.push({ channel: r.channel, capturedAt: r.capturedAt });
      if (r.attributes) results.push(r);
    },
    onStart: (run) => {
      totals = run.channels;
      started();
    },
  });
  await Promise.race([ready, done]);
  return {
    totals: () => totals,
    statuses,
    frames,
    results,
    async liveAt(channel, after, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const e = statuses.find((s) => s.channel === channel && s.state === 'live' && s.at >= after);
        if (e) return e.at;
        if (Date.now() > until) throw new Error(`${channel} not live within ${timeoutMs} ms`);
        await sleep(20);
      }
    },
    framesBetween: (channel, from, to) =>
      frames.filter((f) => f.channel === channel && f.capturedAt >= from && f.capturedAt < to).length,
    async stop() {
      await shutdown.request('test done');
      const summary = await done;
      shutdown.dispose();
      return summary;
    },
  };
}
