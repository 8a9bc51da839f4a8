/**
 * One identity gallery for a cluster, on the real PostgreSQL: an identity stored by one node reaches the
 * other node's gallery through the notice (well before the periodic refresh), and through the refresh alone
 * when no notice comes. Prints the measured windows (README "Scaling out").
 */
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db';
import { shareClusterIdentities } from '../../src/pipelines/camera/reid/cluster-identities';
import { createFaceAnalysis } from '../../src/pipelines/camera/reid/face-analysis';
import { modelKey } from '../../src/pipelines/camera/reid/galleries';
import { createTestDatabaseUrl, describePostgres, type TestDatabase } from '../helpers/postgres';

const model = { type: 'face-api' as const };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describePostgres('cluster identities (real PostgreSQL)', () => {
  let testDb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    testDb = await createTestDatabaseUrl('cluster_ids');
    database = await openDatabase({ url: testDb.url });
    await database.migrate();
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  /** Stores an identity as node A's sink would; returns its id. */
  async function store(): Promise<string> {
    const id = randomUUID();
    const embedding = Array.from({ length: 128 }, (_, i) => (i === 0 ? 1 : 0));
    const now = new Date();
    await database.db
      .insertInto('identities')
      .values({
        id,
        model: modelKey(model),
        embedding: JSON.stringify(embedding),
        samples: 1,
        created_at: now,
        last_seen_at: now,
      })
      .execute();
    return id;
  }

  async function waitFor(seen: () => boolean, ms: number): Promise<number> {
    const start = Date.now();
    while (!seen()) {
      if (Date.now() - start > ms) throw new Error(`not seen within ${ms} ms`);
      await sleep(10);
    }
    return Date.now() - start;
  }

  it('adopts an identity another node stored: on its notice at once, else on the next refresh', async () => {
    const log = (await import('../../src/util/logger')).logger();
    const config = parseConfig({}, 'test');
    const facesA = createFaceAnalysis(config, { log });
    const facesB = createFaceAnalysis(config, { log });
    const nodeA = await shareClusterIdentities({
      url: testDb.url,
      nodeId: 'a',
      database,
      faces: facesA,
      refreshMs: 60_000,
      log,
    });
    const nodeB = await shareClusterIdentities({
      url: testDb.url,
      nodeId: 'b',
      database,
      faces: facesB,
      refreshMs: 2_000,
      log,
    });
    try {
      const gallery = facesB.gallery(model);
      const noticed = await store();
      nodeA.announce();
      const noticeMs = await waitFor(() => gallery.get(noticed) !== undefined, 1_500);

      const silent = await store(); // no notice: the refresh (every 2 s) must find it
      const refreshMs = await waitFor(() => gallery.get(silent) !== undefined, 5_000);
      console.log(
        `identity reached the other node: ${noticeMs} ms after its notice; ${refreshMs} ms without one (refresh every 2 s)`,
      );
      expect(gallery.get(noticed)?.embedding[0]).toBe(1);
      expect(noticeMs).toBeLessThan(1_500);
    } finally {
      await nodeA.close();
      await nodeB.close();
      facesA.complete();
      facesB.complete();
    }
  });
});
