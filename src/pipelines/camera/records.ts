/**
 * Pure mapping from channel results to database rows. Kept apart from the sinks so the same rows go to
 * Postgres, PGlite or JSON Lines.
 */
import type { Insertable } from 'kysely';
import type { ChannelConfig } from '../../config/schema/channel';
import type { ChannelStatusEventsTable, DetectionsTable, TracksTable } from '../../db/tables/camera';
import type { TrackAttributes } from '../../kernels/track-attributes';
import type { Track } from './tracker';
import type { FrameResult } from './channel';
import type { ChannelStatusEvent } from './sources/frame-source';

/** A `detections` row as inserted (written_at is set by the database). */
export type DetectionRow = Omit<Insertable<DetectionsTable>, 'written_at'>;
/** A `tracks` row as inserted or upserted. */
export type TrackRow = Insertable<TracksTable>;
/** A `channel_status_events` row as inserted. */
export type StatusRow = Omit<Insertable<ChannelStatusEventsTable>, 'id'>;

const round = (v: number) => Math.round(v * 10) / 10;

/** Whether this frame's detections are stored under the channel's `detections` setting. */
export function storesDetections(setting: ChannelConfig['detections'], seq: number): boolean {
  if (setting === 'all') return true;
  if (setting === 'none') return false;
  return seq % setting.every === 0;
}

/** Detection rows of one frame (all, none or sampled, per the channel's setting). */
export function detectionRows(
  runId: number,
  r: FrameResult,
  setting: ChannelConfig['detections'],
): DetectionRow[] {
  if (r.detections.length === 0 || !storesDetections(setting, r.seq)) return [];
  const capturedAt = new Date(r.capturedAt);
  return r.detections.map((d, idx) => ({
    run_id: runId,
    channel_id: r.channel,
    frame_seq: r.seq,
    idx,
    track_id: (r.tracking.trackIds[idx] ?? -1) >= 0 ? r.tracking.trackIds[idx] : null, // -1: no track took it
    captured_at: capturedAt,
    x1: round(d.box[0]),
    y1: round(d.box[1]),
    x2: round(d.box[2]),
    y2: round(d.box[3]),
    score: d.score,
  }));
}

/**
 * A track's attributes as stored in the `attributes` JSON column: flat keys (identityId, identitySimilarity,
 * embeddings, gender, genderConfidence, age, ageSamples, label, continues), the shape the database has always
 * held.
 */
export function storedAttributes(attributes: TrackAttributes | undefined): Record<string, unknown> {
  const { identity, demographics, label, continues } = attributes ?? {};
  return {
    ...(identity && {
      identityId: identity.id,
      identitySimilarity: identity.similarity,
      embeddings: identity.embeddings,
    }),
    ...(demographics && {
      gender: demographics.gender,
      genderConfidence: demographics.genderConfidence,
      age: demographics.age,
      ageSamples: demographics.samples,
    }),
    ...(label !== undefined && { label }),
    ...(continues !== undefined && { continues }),
  };
}

function trackRow(
  runId: number,
  channel: string,
  t: Track,
  attributes: TrackAttributes | undefined,
): TrackRow {
  return {
    run_id: runId,
    channel_id: channel,
    track_id: t.id,
    state: t.state,
    started_at: new Date(t.firstSeen),
    ended_at: t.state === 'ended' ? new Date(t.lastSeen) : null,
    first_frame: t.firstSeq,
    last_frame: t.lastSeq,
    frames: t.frames,
    best_x1: round(t.best.box[0]),
    best_y1: round(t.best.box[1]),
    best_x2: round(t.best.box[2]),
    best_y2: round(t.best.box[3]),
    best_score: t.best.score,
    attributes: JSON.stringify(storedAttributes(attributes)),
    identity_id: attributes?.identity?.id ?? null,
  };
}

/**
 * Track rows written by one frame: a row when a track is confirmed (so live tracks are visible while they
 * last) and its final state when it ends. Tracks that never got confirmed are noise and are not stored.
 * Rows of the same track upsert on (run_id, channel_id, track_id).
 */
export function trackRows(runId: number, r: FrameResult, minHits: number): TrackRow[] {
  const rows: TrackRow[] = [];
  for (const e of r.tracking.events) {
    const confirmedOnce = e.track.hits >= minHits;
    if (e.type === 'confirmed' || (e.type === 'ended' && confirmedOnce)) {
      rows.push(trackRow(runId, r.channel, e.track, r.attributes?.[e.track.id]));
    }
  }
  return rows;
}

/**
 * A channel status event as a row (its detail is already free of credentials); `seq` numbers the events
 * of a channel within the run, so a row written twice (a replayed spool) is recognised.
 */
export function statusRow(runId: number | null, e: ChannelStatusEvent, seq: number): StatusRow {
  return {
    seq,
    run_id: runId,
    channel_id: e.channel,
    state: e.state,
    detail: e.detail ?? null,
    at: new Date(e.at),
  };
}
