import type { Command } from 'commander';
import { loadConfig } from '../../config';
import {
  DatabaseError,
  openDatabase,
  resolveDatabaseConfig,
  type Database,
  type DatabaseConfig,
} from '../../db';
import { logger } from '../../util/logger';
import { CliError, ExitCode } from '../exit-codes';

/** Options shared by the `db` sub-commands. */
export interface DbCommandOptions {
  config?: string;
  url?: string;
  dataDir?: string;
  json?: boolean;
}

/** Where command output goes (tests pass their own). */
export type WriteLine = (line: string) => void;

const stdoutLine: WriteLine = (line) => process.stdout.write(`${line}\n`);

/** Database settings from flags, `RXVISION_DATABASE_URL` and the `--config` file (see resolveDatabaseConfig). */
export async function databaseConfigFromOptions(options: DbCommandOptions): Promise<DatabaseConfig> {
  const fromFile = options.config ? (await loadConfig(options.config)).database : undefined;
  return resolveDatabaseConfig({ url: options.url, dataDir: options.dataDir }, fromFile);
}

/** Opens the database for a command; an unreachable database becomes exit code 4. */
async function withDatabase<T>(
  options: DbCommandOptions,
  fn: (database: Database) => Promise<T>,
): Promise<T> {
  const config = await databaseConfigFromOptions(options);
  let database: Database;
  try {
    database = await openDatabase(config);
  } catch (err) {
    throw toCliError(err);
  }
  try {
    return await fn(database);
  } catch (err) {
    throw toCliError(err);
  } finally {
    await database.close();
  }
}

function toCliError(err: unknown): unknown {
  return err instanceof DatabaseError ? new CliError(err.message, ExitCode.database) : err;
}

/** `pipeline db migrate`: applies pending migrations and prints what it did. */
export async function runMigrate(options: DbCommandOptions, out: WriteLine = stdoutLine): Promise<void> {
  await withDatabase(options, async (database) => {
    const report = await database.migrate();
    logger().info({ target: database.target, applied: report.applied }, 'migrations done');
    if (options.json) {
      out(JSON.stringify({ target: database.target, dialect: database.dialect, ...report }));
      return;
    }
    if (report.applied.length === 0) {
      out(`${database.target}: up to date (${report.total} migrations)`);
      return;
    }
    for (const name of report.applied) out(`applied ${name}`);
    out(`${database.target}: ${report.applied.length} applied, ${report.total} in total`);
  });
}

/** `pipeline db status`: prints every migration as applied (with its time) or pending. */
export async function runStatus(options: DbCommandOptions, out: WriteLine = stdoutLine): Promise<void> {
  await withDatabase(options, async (database) => {
    const migrations = await database.status();
    if (options.json) {
      out(JSON.stringify({ target: database.target, dialect: database.dialect, migrations }));
      return;
    }
    out(`database: ${database.target} (${database.dialect})`);
    const width = Math.max(0, ...migrations.map((m) => m.name.length));
    for (const m of migrations) {
      const state = m.applied ? `applied  ${m.appliedAt?.toISOString() ?? ''}`.trimEnd() : 'pending';
      out(`${m.name.padEnd(width)}  ${state}`);
    }
    const pending = migrations.filter((m) => !m.applied).length;
    out(pending === 0 ? 'schema is up to date' : `${pending} pending: run \`pipeline db migrate\``);
  });
}

function addDatabaseOptions(command: Command): Command {
  return command
    .option('--config <file>', 'take database settings from this config file')
    .option('--url <url>', 'PostgreSQL URL (overrides RXVISION_DATABASE_URL and the config file)')
    .option('--data-dir <dir>', 'embedded PGlite data directory (":memory:" for a throwaway database)')
    .option('--json', 'print JSON instead of text');
}

/** Registers `pipeline db migrate` and `pipeline db status`. */
export function registerDbCommand(program: Command): void {
  const db = program
    .command('db')
    .description(
      'Database schema: PostgreSQL when a URL is configured (--url, RXVISION_DATABASE_URL), else PGlite',
    );
  addDatabaseOptions(
    db.command('migrate').description('Apply pending migrations (a no-op when up to date)'),
  ).action((options: DbCommandOptions) => runMigrate(options));
  addDatabaseOptions(db.command('status').description('List migrations as applied or pending')).action(
    (options: DbCommandOptions) => runStatus(options),
  );
}
