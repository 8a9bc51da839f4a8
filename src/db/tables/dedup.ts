import type { ColumnType } from 'kysely';

/** A bytea column: Buffer from pg, Uint8Array from PGlite; either can be written. */
type Bytea = ColumnType<Uint8Array, Uint8Array, Uint8Array>;
type NullableBytea = ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;

/**
 * The dedup feature cache (migration 0003_dedup): one row per image path, reused while size, mtime and
 * the feature settings key match. Hashes are 16-digit hex; histogram/embedding are little-endian float32.
 */
export interface DedupFeaturesTable {
  path: string;
  /** bigint in Postgres: pg returns it as a string. */
  size: ColumnType<string | number, number, number>;
  mtime_ms: number;
  content_hash: ColumnType<string | null, string | null | undefined, string | null>;
  settings_key: string;
  width: number;
  height: number;
  format: string;
  whash: string;
  phash: string;
  dhash: string;
  /** Hash variants as JSON: write with `jsonb(value)` from src/db/json.ts. */
  variants: ColumnType<unknown, unknown, unknown>;
  colour: Bytea;
  thumb: Bytea;
  thumb_size: number;
  embedding: NullableBytea;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** Tables created by 0003_dedup. */
export interface DedupTables {
  dedup_features: DedupFeaturesTable;
}
