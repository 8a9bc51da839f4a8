import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runMigrate, runStatus } from '../../src/cli/commands/db';
import { CliError, ExitCode } from '../../src/cli/exit-codes';
import { runCli } from '../../src/cli/main';
import { migrations } from '../../src/db';
import { createTestDatabaseUrl, describePostgres, type TestDatabase } from '../helpers/postgres';

const migrationNames = Object.keys(migrations);
const PGLITE_TIMEOUT_MS = 180_000;

function collect(): { lines: string[]; out: (line: string) => void } {
  const lines: string[] = [];
  return { lines, out: (line) => lines.push(line) };
}

describe('pipeline db with an unreachable PostgreSQL', () => {
  const url = 'postgres://rx:Pa55-word@127.0.0.1:1/analytics';

  it('ends with exit code 4 (database)', async () => {
    expect(await runCli(['--log-level', 'silent', 'db', 'status', '--url', url])).toBe(ExitCode.database);
    expect(await runCli(['--log-level', 'silent', 'db', 'migrate', '--url', url])).toBe(ExitCode.database);
  });

  it('explains which database failed without the password', async () => {
    const err = await runStatus({ url }, () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(ExitCode.database);
    expect((err as CliError).message).toMatch(
      /cannot connect to PostgreSQL at postgres:\/\/\*\*\*@127\.0\.0\.1:1\/analytics/,
    );
    expect((err as CliError).message).not.toContain('Pa55-word');
  });
});

describe('pipeline db on PGlite', () => {
  let root: string;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'rxvision-dbcli-'));
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it(
    'status shows pending, migrate applies, status shows applied, migrate again is up to date',
    async () => {
      const dataDir = path.join(root, 'flag-db');
      const before = collect();
      await runStatus({ dataDir }, before.out);
      for (const name of migrationNames)
        expect(before.lines).toContainEqual(expect.stringMatching(new RegExp(`^${name}\\s+pending$`)));

      expect(await runCli(['--log-level', 'silent', 'db', 'migrate', '--data-dir', dataDir])).toBe(
        ExitCode.ok,
      );

      const after = collect();
      await runStatus({ dataDir, json: true }, after.out);
      const parsed = JSON.parse(after.lines[0]) as {
        dialect: string;
        migrations: { name: string; applied: boolean }[];
      };
      expect(parsed.dialect).toBe('pglite');
      expect(parsed.migrations.map((m) => [m.name, m.applied])).toEqual(migrationNames.map((n) => [n, true]));

      const again = collect();
      await runMigrate({ dataDir }, again.out);
      expect(again.lines).toEqual([expect.stringMatching(/up to date/)]);
    },
    PGLITE_TIMEOUT_MS,
  );

  it(
    'takes the database from --config, resolving dataDir against the config file',
    async () => {
      const configFile = path.join(root, 'conf', 'pipeline.json');
      await fs.mkdir(path.dirname(configFile), { recursive: true });
      await fs.writeFile(configFile, JSON.stringify({ database: { dataDir: './state/db' } }));
      const output = collect();
      await runMigrate({ config: configFile }, output.out);
      expect(output.lines).toEqual([
        ...migrationNames.map((n) => `applied ${n}`),
        expect.stringContaining('applied'),
      ]);
      expect((await fs.stat(path.join(root, 'conf', 'state', 'db'))).isDirectory()).toBe(true);
    },
    PGLITE_TIMEOUT_MS,
  );

  it('reports an invalid config file with exit code 2', async () => {
    const configFile = path.join(root, 'bad.json');
    await fs.writeFile(configFile, JSON.stringify({ database: { url: 'mysql://nope' } }));
    expect(await runCli(['--log-level', 'silent', 'db', 'status', '--config', configFile])).toBe(
      ExitCode.invalidConfig,
    );
  });
});

describePostgres('pipeline db on PostgreSQL', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabaseUrl('db_cli');
  });
  afterAll(() => testDb?.drop());

  it('migrates through --url and through RXVISION_DATABASE_URL', async () => {
    const migrate = collect();
    await runMigrate({ url: testDb.url }, migrate.out);
    expect(migrate.lines.slice(0, migrationNames.length)).toEqual(migrationNames.map((n) => `applied ${n}`));

    const previous = process.env.RXVISION_DATABASE_URL;
    process.env.RXVISION_DATABASE_URL = testDb.url;
    try {
      const status = collect();
      await runStatus({}, status.out);
      expect(status.lines[0]).toMatch(/\(postgres\)$/);
      expect(status.lines.at(-1)).toBe('schema is up to date');
    } finally {
      if (previous === undefined) delete process.env.RXVISION_DATABASE_URL;
      else process.env.RXVISION_DATABASE_URL = previous;
    }
  });
});
