import type { ColumnType } from 'kysely';
import type { JsonObject } from './core';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** One person known to the Re-ID gallery (shared by every channel; survives restarts). */
export interface IdentitiesTable {
  id: string;
  /** Embedding model key: only vectors of the same model are compared. */
  model: string;
  /** L2-normalised mean embedding (JSON array of numbers). */
  embedding: ColumnType<number[], string, string>;
  samples: number;
  /** Aggregated demographics (gender, genderConfidence, age, samples); written as an object or JSON text. */
  attributes: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  last_channel_id: string | null;
}

/** An identity seen as one track of one channel in one run. */
export interface IdentitySightingsTable {
  run_id: number;
  channel_id: string;
  track_id: number;
  identity_id: string;
  first_seen: Timestamp;
  last_seen: Timestamp;
  /** Best cosine similarity of the track's faces to the identity. */
  similarity: number;
  /** Embeddings of the track matched to the identity. */
  samples: number;
}

/** Tables of Re-ID (migration 0004_identities; it also adds tracks.identity_id). */
export interface IdentityTables {
  identities: IdentitiesTable;
  identity_sightings: IdentitySightingsTable;
}
