/**
 * How PGlite starts with little memory. Creating a data directory runs initdb inside the WASM module,
 * which grows its heap to about 800 MB (seen here) and never gives it back; loading the same empty
 * directory from a tar archive peaks near 300 MB. So a new database (an in-memory one, or an empty
 * directory) is loaded from an archive of an empty database, made once per PGlite version and kept in
 * the download cache; small buffers (`shared_buffers=16MB` ...) suit the job-sized tables used here.
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

/**
 * The archive of an empty database for this PGlite version: read from the cache, or made once (this
 * first creation costs initdb's memory) and cached. Undefined when it cannot be made (then PGlite runs
 * initdb as usual).
 */
async function emptyArchive(Pg: typeof PGlite, version: string): Promise<Blob | undefined> {
  const file = path.join(downloadCacheDir(), `pglite-${version}-empty.tar.gz`);
  try {
    return new Blob([await fs.readFile(file)]);
  } catch {
    // Not made yet.
  }
  try {
    const pg = await Pg.create({ dataDir: 'memory://' });
    const blob = await pg.dumpDataDir('gzip');
    await pg.close();
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, Buffer.from(await blob.arrayBuffer()));
    await fs.rename(tmp, file);
    return blob;
  } catch (err) {
    logger().warn(
      { err, file },
      'could not make the empty PGlite database archive; new databases run initdb',
    );
    return undefined;
  }
}

/** The installed PGlite's version (archives of one version are not loaded by another). */
async function pgliteVersion(): Promise<string> {
  const manifest = path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  return (JSON.parse(await fs.readFile(manifest, 'utf8')) as { version: string }).version;
}

/** PGlite options for `dataDir`: small buffers, and an empty database loaded from the archive when new. */
export async function pgliteOptions(
  Pg: typeof PGlite,
  dataDir: string,
  memory: boolean,
): Promise<PGliteOptions> {
  const options: PGliteOptions = { dataDir, startParams: pgliteStartParams(Pg.defaultStartParams) };
  if (await isNewDataDir(dataDir, memory)) {
    const archive = await emptyArchive(Pg, await pgliteVersion());
    if (archive) options.loadDataDir = archive;
  }
  return options;
}
