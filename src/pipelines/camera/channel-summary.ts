/** The live per-channel totals of a run: what the status line, the web board and the run's stats show. */
import type { FrameResult } from './channel';

/** Per-channel totals of a run. */
export interface ChannelSummary {
  id: string;
  frames: number;
  dropped: number;
  failedFrames: number;
  faces: number;
  tracks: number;
  state: string;
  error?: string;
}

/** The totals of a channel that has not started yet. */
export function pendingSummary(id: string): ChannelSummary {
  return { id, frames: 0, dropped: 0, failedFrames: 0, faces: 0, tracks: 0, state: 'pending' };
}

/** Counts one result: a frame, its faces and the tracks it confirmed (the closing result is no frame). */
export function countResult(summary: ChannelSummary, r: FrameResult): void {
  if (r.endOfStream) return;
  summary.frames++;
  summary.faces += r.detections.length;
  summary.tracks += r.tracking.events.filter((e) => e.type === 'confirmed').length;
}
