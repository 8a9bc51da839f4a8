import type { ColumnType, Generated } from 'kysely';

/** A JSON object as stored in a jsonb column. */
export type JsonObject = { [key: string]: JsonValue };
/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** What a pipeline run is. */
export type PipelineKind = 'camera' | 'dedup';
/** Lifecycle of a pipeline run. */
export type PipelineRunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

/** Timestamps read back as Date, written as Date or ISO string; optional on insert when defaulted. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** One run of `pipeline camera` or `pipeline dedup` (migration 0001_core). */
export interface PipelineRunsTable {
  id: Generated<number>;
  kind: PipelineKind;
  /** The config file the run was started with, if any. */
  config_file: ColumnType<string | null, string | null | undefined, string | null>;
  started_at: Timestamp;
  ended_at: NullableTimestamp;
  status: ColumnType<PipelineRunStatus, PipelineRunStatus | undefined, PipelineRunStatus>;
  /** Counters and timings at the end of the run; write it with `jsonb(value)` from src/db/json.ts. */
  stats: ColumnType<JsonObject, JsonObject | undefined, JsonObject>;
  /** The cluster node that ran it (migration 0008_cluster; null outside cluster mode). */
  node_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Tables created by 0001_core. */
/** The one row naming this database (migration 0006): spools record its id. */
export interface RxvisionDatabaseTable {
  singleton: ColumnType<boolean, boolean | undefined, never>;
  id: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface CoreTables {
  pipeline_runs: PipelineRunsTable;
  rxvision_database: RxvisionDatabaseTable;
}
