/** The rows a camera run writes, as streams for the sinks, and the counts of rows written. */
import { concatMap, tap, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import type { ChannelConfig } from '../../config/schema/channel';
import type { SinkAck } from '../../sinks/types';
import type { FrameResult } from './channel';
import {
  detectionRows,
  statusRow,
  trackRows,
  type DetectionRow,
  type StatusRow,
  type TrackRow,
} from './records';
import type { ChannelStatusEvent } from './sources/frame-source';

/** Rows written by a run, per table (`spooled`: rows parked in the spool while the database was down). */
export interface RowCounts {
  detections: number;
  tracks: number;
  statusEvents: number;
  spooled: number;
  identities: number;
  sightings: number;
}

/** All counts at zero. */
export function emptyRowCounts(): RowCounts {
  return { detections: 0, tracks: 0, statusEvents: 0, spooled: 0, identities: 0, sightings: 0 };
}

/** Adds a sink's acknowledged rows to `counts[key]` (and to `spooled` when they went to the spool). */
export function countRows(
  counts: RowCounts,
  key: Exclude<keyof RowCounts, 'spooled'>,
): MonoTypeOperatorFunction<SinkAck> {
  return tap((a) => {
    // A spooled batch counts once: as spooled now, and as written when its replay commits.
    if (a.spooled) counts.spooled += a.rows;
    else counts[key] += a.rows;
  });
}

/** The detection, track and status rows of a run's results and status events. */
export function cameraRows(
  results$: Observable<FrameResult>,
  status$: Observable<ChannelStatusEvent>,
  channels: readonly ChannelConfig[],
  run: { id: number; stored: boolean },
): {
  detections$: Observable<DetectionRow>;
  tracks$: Observable<TrackRow>;
  statusRows$: Observable<StatusRow>;
} {
  const channelById = new Map(channels.map((c) => [c.id, c]));
  const statusSeq = new Map<string, number>();
  const nextSeq = (channel: string): number => {
    const seq = (statusSeq.get(channel) ?? 0) + 1;
    statusSeq.set(channel, seq);
    return seq;
  };
  return {
    detections$: results$.pipe(
      concatMap((r) => detectionRows(run.id, r, channelById.get(r.channel)!.detections)),
    ),
    tracks$: results$.pipe(
      concatMap((r) => trackRows(run.id, r, channelById.get(r.channel)!.tracker.minHits)),
    ),
    // Status rows of a run without a database have no run id.
    statusRows$: status$.pipe(
      concatMap((e) => [statusRow(run.stored ? run.id : null, e, nextSeq(e.channel))]),
    ),
  };
}
