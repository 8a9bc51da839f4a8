import type { ColumnType } from 'kysely';
import type { JsonObject } from './core';

/** A live node of a cluster (migration 0008_cluster); its row goes when it leaves or is found dead. */
export interface ClusterNodesTable {
  id: string;
  namespace: string;
  host: string;
  pid: number;
  /** `pg_backend_pid()` of the node's lock connection: the node is alive while that backend is. */
  backend_pid: number;
  /** The camera run this node writes its rows under. */
  run_id: ColumnType<number | null, number | null | undefined, number | null>;
  started_at: ColumnType<Date, Date | string | undefined, never>;
  heartbeat_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** Its fair share at its last heartbeat. */
  share: ColumnType<number, number | undefined, number>;
  /** Channel id -> state (live, connecting...) of the channels it runs, at its last heartbeat. */
  channels: ColumnType<JsonObject, JsonObject | string | undefined, JsonObject | string>;
}

/** Tables of migration 0008_cluster. */
export interface ClusterTables {
  cluster_nodes: ClusterNodesTable;
}
