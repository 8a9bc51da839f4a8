import type { ColumnType, Generated } from 'kysely';
import type { JsonObject } from './core';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** A configured camera channel (its source with credentials redacted). */
export interface ChannelsTable {
  id: string;
  source: string;
  config: Defaulted<JsonObject>;
  updated_at: Defaulted<Date | string>;
}

/** A channel source lifecycle event: connecting, live, stalled, reconnecting, ended, failed. */
export interface ChannelStatusEventsTable {
  id: Generated<number>;
  run_id: number | null;
  channel_id: string;
  state: string;
  detail: string | null;
  at: Timestamp;
  /** Order of the event within its run and channel; (run_id, channel_id, seq) is unique. */
  seq: number;
}

/** A face track of one channel in one run (upserted while it lives, final at its end). */
export interface TracksTable {
  run_id: number;
  channel_id: string;
  track_id: number;
  state: string;
  started_at: Timestamp;
  ended_at: NullableTimestamp;
  first_frame: number;
  last_frame: number;
  frames: number;
  best_x1: number;
  best_y1: number;
  best_x2: number;
  best_y2: number;
  best_score: number;
  /** Extension point (identity, gender, age...) for later stages; JSON text is accepted on insert. */
  attributes: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  /** The track's identity (column added by migration 0004_identities). */
  identity_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One detected face in one frame. */
export interface DetectionsTable {
  run_id: number;
  channel_id: string;
  frame_seq: number;
  idx: number;
  track_id: number | null;
  captured_at: Timestamp;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  written_at: Defaulted<Date | string>;
}

/** Tables of the camera pipeline (migration 0002_camera). */
export interface CameraTables {
  channels: ChannelsTable;
  channel_status_events: ChannelStatusEventsTable;
  tracks: TracksTable;
  detections: DetectionsTable;
}
