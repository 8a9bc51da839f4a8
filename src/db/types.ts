import type { CameraTables } from './tables/camera';
import type { ClusterTables } from './tables/cluster';
import type { CoreTables } from './tables/core';
import type { DedupTables } from './tables/dedup';
import type { IdentityTables } from './tables/identity';

export type * from './tables/core';
export type * from './tables/camera';
export type * from './tables/dedup';
export type * from './tables/identity';
export type * from './tables/cluster';

/**
 * Every table Kysely knows about. Each area declares its tables in src/db/tables/<area>.ts next to
 * the migration that creates them; this interface only joins them.
 */
export interface DB extends CoreTables, CameraTables, DedupTables, IdentityTables, ClusterTables {}
