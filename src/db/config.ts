import path from 'node:path';
import { DEFAULT_DATA_DIR, type DatabaseConfig } from '../config/schema/root';

/**
 * Where the database lives: PostgreSQL when `url` is set, embedded PGlite in `dataDir` otherwise
 * (`:memory:` or `memory://` keeps it in memory); `poolSize` caps the pg Pool. The type is the config
 * file's `database` section (src/config/schema/root.ts), so both always agree.
 */
export type { DatabaseConfig };

/** Environment variable holding a PostgreSQL URL; it overrides the config file, not explicit flags. */
export const DATABASE_URL_ENV = 'RXVISION_DATABASE_URL';

/** Database settings given on a command line. */
export interface DatabaseFlags {
  url?: string;
  dataDir?: string;
}

/**
 * Merges the places database settings come from, most specific first: `--url`, then `--data-dir`
 * (an explicit embedded database wins over a URL from the environment or the file), then
 * `RXVISION_DATABASE_URL`, then the config file's `database` section.
 */
export function resolveDatabaseConfig(
  flags: DatabaseFlags,
  fromFile: DatabaseConfig | undefined,
  env: NodeJS.ProcessEnv = process.env,
): DatabaseConfig {
  // Connection tuning from the file applies whichever database the flags or the environment pick.
  const tuning = Object.fromEntries(
    (['poolSize', 'connectTimeoutMs', 'queryTimeoutMs', 'spoolMaxBytes'] as const)
      .filter((k) => fromFile?.[k] !== undefined)
      .map((k) => [k, fromFile![k]]),
  ) as Partial<DatabaseConfig>;
  const withPool = (c: DatabaseConfig): DatabaseConfig => ({ ...c, ...tuning });
  if (flags.url) return withPool({ url: flags.url });
  if (flags.dataDir)
    return { dataDir: flags.dataDir, ...(tuning.spoolMaxBytes && { spoolMaxBytes: tuning.spoolMaxBytes }) };
  const envUrl = env[DATABASE_URL_ENV];
  if (envUrl) return withPool({ url: envUrl });
  return { ...fromFile };
}

/** True for the spellings that mean "keep the embedded database in memory". */
export function isMemoryDataDir(dataDir: string): boolean {
  return dataDir === ':memory:' || dataDir === 'memory://';
}

/** The PGlite `dataDir` argument: `memory://` or an absolute directory path. */
export function pgliteDataDir(dataDir: string | undefined): string {
  const dir = dataDir ?? DEFAULT_DATA_DIR;
  return isMemoryDataDir(dir) ? 'memory://' : path.resolve(dir);
}
