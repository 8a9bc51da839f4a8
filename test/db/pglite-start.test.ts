/**
 * PGlite's small start: the first new database (initdb) is archived into the download cache before use;
 * the next new database loads that archive and is a working database (migrations apply, rows round-trip);
 * both run with the small buffer settings.
 */
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db';

const TIMEOUT_MS = 240_000;

describe('PGlite start from the empty-database archive', () => {
  const saved = process.env.RXVISION_CACHE_DIR;
  let cache: string;
  beforeAll(() => {
    cache = mkdtempSync(path.join(os.tmpdir(), 'pglite-start-cache-'));
    process.env.RXVISION_CACHE_DIR = cache;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.RXVISION_CACHE_DIR;
    else process.env.RXVISION_CACHE_DIR = saved;
  });

  test(
    'the first new database is archived; the next one loads it and works',
    async () => {
      const first = await openDatabase({ dataDir: ':memory:' });
      await first.close();
      const archives = (await fs.readdir(cache)).filter((f) => /^pglite-.+-empty\.tar\.gz$/.test(f));
      expect(archives).toHaveLength(1);

      const dir = mkdtempSync(path.join(os.tmpdir(), 'pglite-start-db-'));
      const second = await openDatabase({ dataDir: dir });
      try {
        await second.migrate();
        const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(second.db);
        expect(rows[0].shared_buffers).toBe('16MB');
        await second.db.insertInto('dedup_pair_scopes').values({ scope: 's', digest: 'd' }).execute();
        const back = await second.db.selectFrom('dedup_pair_scopes').select('digest').execute();
        expect(back).toEqual([{ digest: 'd' }]);
      } finally {
        await second.close();
      }
      await fs.access(path.join(dir, 'PG_VERSION'));
    },
    TIMEOUT_MS,
  );
});
