/**
 * The sinks of the camera pipeline's rows: one batched database sink per table (with the table's ON
 * CONFLICT rule and a spool for database outages), or one JSON Lines file per table.
 */
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { OperatorFunction } from 'rxjs';
import type { DB } from '../../db/types';
import type { ConflictTarget, RowOf } from '../../db/write';
import type { Shutdown } from '../../runtime/shutdown';
import { jsonlSink } from '../../sinks/jsonl';
import { kyselySink } from '../../sinks/kysely';
import type { SinkAck } from '../../sinks/types';

/** Tables the camera pipeline writes to. */
export type CameraTable =
  'channel_status_events' | 'detections' | 'tracks' | 'identities' | 'identity_sightings';

/**
 * What happens when a row's key is already stored. A track, an identity and a sighting are written again
 * as they change (the newest values win); detections and status events are inserted once.
 */
export const CAMERA_CONFLICTS: { [T in CameraTable]?: ConflictTarget<DB, T> } = {
  // Inserted once: a repeat (a replayed spool, a retried batch the server had committed) is skipped.
  detections: { columns: ['run_id', 'channel_id', 'frame_seq', 'idx'] },
  channel_status_events: { columns: ['run_id', 'channel_id', 'seq'] },
  tracks: {
    columns: ['run_id', 'channel_id', 'track_id'],
    update: [
      'state',
      'ended_at',
      'last_frame',
      'frames',
      'best_x1',
      'best_y1',
      'best_x2',
      'best_y2',
      'best_score',
      'attributes',
      'identity_id',
    ],
  },
  identities: {
    columns: ['id'],
    update: ['embedding', 'samples', 'attributes', 'last_seen_at', 'last_channel_id'],
  },
  identity_sightings: {
    columns: ['run_id', 'channel_id', 'track_id'],
    update: ['identity_id', 'last_seen', 'similarity', 'samples'],
  },
};

/** Where the rows go: a database, or a directory of `<table>.jsonl` files. */
export type RowTarget =
  | { type: 'database'; db: Kysely<DB>; spoolDir: string; databaseId?: string; spoolMaxBytes?: number }
  | { type: 'jsonl'; dir: string };

/** A sink per table, rows typed by the table. */
export type RowSinkFactory = <T extends CameraTable>(table: T) => OperatorFunction<RowOf<DB, T>, SinkAck>;

/** The sink factory of a run: database sinks (the sink's batch defaults) with {@link CAMERA_CONFLICTS}. */
export function cameraRowSinks(target: RowTarget, shutdown?: Shutdown): RowSinkFactory {
  return <T extends CameraTable>(table: T): OperatorFunction<RowOf<DB, T>, SinkAck> =>
    target.type === 'jsonl'
      ? jsonlSink<RowOf<DB, T>>(path.join(target.dir, `${table}.jsonl`), { shutdown })
      : kyselySink(target.db, {
          table,
          spool: { dir: target.spoolDir, databaseId: target.databaseId, maxBytes: target.spoolMaxBytes },
          shutdown,
          conflict: CAMERA_CONFLICTS[table] as ConflictTarget<DB, T> | undefined,
        });
}
