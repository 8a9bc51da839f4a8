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
  /** Encoded foreground record (migration 0007_dedup_foreground); null on older rows. */
  foreground: NullableBytea;
  /** Fingerprint of the features a verification reads (migration 0005_dedup_pairs); null on older rows. */
  feature_digest: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** bigint columns: pg returns them as strings, PGlite as numbers. */
type BigIntColumn = ColumnType<string | number, number, number>;

/** One dedup job run (its summary). */
export interface DedupRunsTable {
  run_id: string;
  job_id: string;
  root: string;
  started_at: ColumnType<Date, Date | string, Date | string>;
  finished_at: ColumnType<Date, Date | string, Date | string>;
  files: number;
  groups: number;
  /** Members that are not keepers. */
  duplicates: number;
  skipped: number;
  reclaimable_bytes: BigIntColumn;
  features_computed: number;
  features_cached: number;
  action: string;
  /** The resolved settings as JSON: write with `jsonb(value)`. */
  settings: ColumnType<unknown, unknown, unknown>;
}

/** One group of a run. */
export interface DedupGroupsTable {
  run_id: string;
  group_id: number;
  kind: string;
  score: number;
  /** Keeper path relative to the run's root. */
  keeper: string;
  members: number;
  reclaimable_bytes: BigIntColumn;
}

/** One member of a group. */
export interface DedupMembersTable {
  run_id: string;
  group_id: number;
  /** Absolute path. */
  path: string;
  /** Path relative to the run's root, forward slashes. */
  rel_path: string;
  score: number;
  keeper: boolean;
  size: BigIntColumn;
  width: number;
  height: number;
  format: string;
}

/** A file a run could not use, with the reason. */
export interface DedupSkippedTable {
  run_id: string;
  path: string;
  rel_path: string;
  reason: string;
  detail: string;
}

/**
 * One verified (similar) candidate pair (migration 0005_dedup_pairs), by the feature digests of its two
 * images, the hash transform and the verification settings key, with the stage scores.
 */
export interface DedupPairsTable {
  verify_key: string;
  /** Digest of the first image (for the identity transform, the smaller digest). */
  a_digest: string;
  /** Digest of the second image: the first looks like `transform` applied to it. */
  b_digest: string;
  transform: string;
  /** Mean of the stage scores. */
  score: number;
  hash_score: number;
  colour_score: number;
  structure_score: number;
  embedding_score: number | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/**
 * The digests of a scope's last complete run (migration 0005_dedup_pairs): every candidate pair among
 * them was decided under the scope's verification settings.
 */
export interface DedupPairScopesTable {
  /** `<verification settings key>:<root>`. */
  scope: string;
  digest: string;
}

/** Tables created by 0003_dedup and 0005_dedup_pairs. */
export interface DedupTables {
  dedup_pairs: DedupPairsTable;
  dedup_pair_scopes: DedupPairScopesTable;
  dedup_features: DedupFeaturesTable;
  dedup_runs: DedupRunsTable;
  dedup_groups: DedupGroupsTable;
  dedup_members: DedupMembersTable;
  dedup_skipped: DedupSkippedTable;
}
