import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import { DatabaseError } from './errors';
import { migrations as registeredMigrations } from './migrations';

/** What `migrate()` did. */
export interface MigrationReport {
  /** Migrations applied by this call, in order (empty when the schema was already current). */
  applied: string[];
  /** Number of migrations known to the code. */
  total: number;
}

/** One known migration and whether the database has it. */
export interface MigrationStatus {
  name: string;
  applied: boolean;
  /** When it was applied (absent while pending). */
  appliedAt?: Date;
}

/** Builds a Kysely Migrator over an in-code list of migration modules. */
export function createMigrator(
  db: Kysely<unknown>,
  migrations: Record<string, Migration> = registeredMigrations,
): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/**
 * Applies every pending migration in one locked transaction (Kysely takes an advisory lock, so two
 * processes migrating at once do not collide). Throws {@link DatabaseError} naming the failed migration.
 */
export async function migrateToLatest(migrator: Migrator, target: string): Promise<MigrationReport> {
  const total = (await migrator.getMigrations()).length;
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseError(
      `migration ${failed ?? '(before any migration ran)'} failed on ${target}: ${reason}`,
      { cause: error },
    );
  }
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    total,
  };
}

/** Lists every known migration with applied/pending. */
export async function migrationStatus(migrator: Migrator): Promise<MigrationStatus[]> {
  const infos = await migrator.getMigrations();
  return infos.map((info) =>
    info.executedAt
      ? { name: info.name, applied: true, appliedAt: info.executedAt }
      : { name: info.name, applied: false },
  );
}
