import type { Migration } from 'kysely';
import * as m0001 from './0001_core';
import * as m0002 from './0002_camera';
import * as m0003 from './0003_dedup';
import * as m0004 from './0004_identities';
import * as m0005 from './0005_dedup_pairs';
import * as m0006 from './0006_idempotent_rows';
import * as m0007 from './0007_dedup_foreground';
import * as m0008 from './0008_cluster';

/**
 * Every migration, in the order they run. Names sort in that order; add one line per new migration
 * module (e.g. `'0002_camera': m0002,`). Imported modules rather than a folder scan, so the same list
 * works from ts-jest (src/*.ts) and from dist/ (compiled *.js).
 */
export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_camera': m0002,
  '0003_dedup': m0003,
  '0004_identities': m0004,
  '0005_dedup_pairs': m0005,
  '0006_idempotent_rows': m0006,
  '0007_dedup_foreground': m0007,
  '0008_cluster': m0008,
};
