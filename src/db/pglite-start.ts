/**
 * How PGlite starts with little memory. Creating a data directory runs initdb inside the WASM module,
 * which grows its heap to about 800 MB (seen here) and never gives it back; loading the same empty
 * directory from a tar archive peaks near 300 MB. So a new database (an in-memory one, or an empty
 * directory) is loaded from an archive of an empty database, kept in the download cache per PGlite
 * version (the first database created by initdb is archived before use); small buffers
 * (`shared_buffers=16MB` ...) suit the job-sized tables used here.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { downloadCacheDir } from '../util/paths';
import { logger } from '../util/logger';

/** Settings appended to PGlite's own start parameters. */
export const PGLITE_MEMORY_SETTINGS = [
  'shared_buffers=16MB',
  'temp_buffers=2MB',
  'work_mem=4MB',
  'maintenance_work_mem=16MB',
  'wal_buffers=1MB',
];

/** PGlite's start parameters with {@link PGLITE_MEMORY_SETTINGS}. */
export function pgliteStartParams(defaults: readonly string[]): string[] {
  return [...defaults, ...PGLITE_MEMORY_SETTINGS.flatMap((s) => ['-c', s])];
}

/** True when `dir` holds no database yet (PGlite would run initdb there). */
async function isNewDataDir(dir: string, memory: boolean): Promise<boolean> {
  if (memory) return true;
  return fs.access(path.join(dir, 'PG_VERSION')).then(
    () => false,
    () => true,
  );
}

/** Where the archive of an empty database of this PGlite version is cached. */
async function archiveFile(): Promise<string> {
  return path.join(downloadCacheDir(), `pglite-${await pgliteVersion()}-empty.tar.gz`);
}

/** The installed PGlite's version (archives of one version are not loaded by another). */
async function pgliteVersion(): Promise<string> {
  const manifest = path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  return (JSON.parse(await fs.readFile(manifest, 'utf8')) as { version: string }).version;
}

/** How to start PGlite on a data directory, and what to do once it runs. */
export interface PGliteStart {
  options: PGliteOptions;
  /**
   * Called with the new instance before anything is written to it: when the database was created by
   * initdb (no archive cached yet), it is archived now, so later new databases load it instead.
   */
  created(client: PGlite): Promise<void>;
}

/** PGlite options for `dataDir`: small buffers, and an empty database loaded from the archive when new. */
export async function pgliteStart(Pg: typeof PGlite, dataDir: string, memory: boolean): Promise<PGliteStart> {
  const options: PGliteOptions = { dataDir, startParams: pgliteStartParams(Pg.defaultStartParams) };
  const none = async (): Promise<void> => undefined;
  if (!(await isNewDataDir(dataDir, memory))) return { options, created: none };
  const file = await archiveFile();
  try {
    options.loadDataDir = new Blob([await fs.readFile(file)]);
    return { options, created: none };
  } catch {
    // No archive yet: this instance runs initdb, and its empty database becomes the archive.
  }
  const created = async (client: PGlite): Promise<void> => {
    try {
      const blob = await client.dumpDataDir('gzip');
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, Buffer.from(await blob.arrayBuffer()));
      await fs.rename(tmp, file);
    } catch (err) {
      logger().warn({ err, file }, 'could not archive the empty PGlite database; new databases run initdb');
    }
  };
  return { options, created };
}
