/**
 * End to end on PostgreSQL: camera channels on Megamind.avi with Re-ID and gender/age on, through the real
 * detect/embed/classify worker pools (build first: they load dist/workers/*.js). The first run creates
 * identities; a second run with two cameras on the same video loads the gallery from the database and gives
 * the main face one identity on both cameras, the same as in the first run.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assetPath } from '../../src/assets';
import { parseConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db';
import { runChannels } from '../../src/pipelines/camera/run-channels';
import { closeAllPools } from '../../src/pools/registry';
import { createTestDatabaseUrl, describePostgres, type TestDatabase } from '../helpers/postgres';

function config(channelIds: string[]) {
  return parseConfig(
    {
      pools: { detect: { size: 1 }, embed: { size: 1 }, classify: { size: 1 } },
      channelDefaults: {
        pace: 'asap',
        detector: { type: 'blazeface', variant: 'back' },
        tracker: { minHits: 3 },
        reid: { everyFrames: 5 },
        demographics: { everyFrames: 3 },
      },
      channels: channelIds.map((id) => ({ id, source: assetPath('samples', 'Megamind.avi') })),
    },
    'test-config.json',
  );
}

afterAll(() => closeAllPools());

describePostgres('Re-ID and gender/age end to end on PostgreSQL', () => {
  let testDb: TestDatabase;
  let database: Database;
  const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'rxv-reid-spool-'));
  beforeAll(async () => {
    testDb = await createTestDatabaseUrl('reid');
    database = await openDatabase({ url: testDb.url });
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  /** The identity of the longest track of a channel in a run. */
  async function mainTrack(runId: number, channel: string) {
    const tracks = await database.db
      .selectFrom('tracks')
      .selectAll()
      .where('run_id', '=', runId)
      .where('channel_id', '=', channel)
      .orderBy('frames', 'desc')
      .execute();
    expect(tracks.length).toBeGreaterThan(0);
    return tracks[0];
  }

  let firstIdentity: string;

  it('stores tracks with identities and demographics, identities and sightings', async () => {
    const summary = await runChannels(config(['cam1']), {
      output: { type: 'database', db: database },
      spoolDir,
      statusLine: false,
    });
    expect(summary.channels[0].state).toBe('ended');
    expect(summary.channels[0].frames).toBeGreaterThanOrEqual(270); // the whole clip
    const track = await mainTrack(summary.runId, 'cam1');
    expect(track.frames).toBeGreaterThan(50);
    expect(track.identity_id).toMatch(/^[0-9a-f-]{36}$/);
    const attributes = track.attributes as Record<string, unknown>;
    expect(attributes.identityId).toBe(track.identity_id);
    expect(attributes.gender).toBe('female'); // Roxanne Ritchi
    expect(attributes.age).toEqual(expect.any(Number));
    expect(attributes.ageSamples as number).toBeGreaterThan(3);
    firstIdentity = track.identity_id!;

    const identity = await database.db
      .selectFrom('identities')
      .selectAll()
      .where('id', '=', firstIdentity)
      .executeTakeFirstOrThrow();
    expect(identity.samples).toBeGreaterThan(1);
    expect((identity.embedding as unknown as number[]).length).toBe(128);
    expect((identity.attributes as Record<string, unknown>).gender).toBe('female');

    const sightings = await database.db
      .selectFrom('identity_sightings')
      .selectAll()
      .where('run_id', '=', summary.runId)
      .execute();
    const own = sightings.find((s) => s.track_id === track.track_id);
    expect(own).toMatchObject({ channel_id: 'cam1', identity_id: firstIdentity });
    expect(new Date(own!.last_seen).getTime()).toBeGreaterThan(new Date(own!.first_seen).getTime());
  }, 300_000);

  it('after a restart, two cameras seeing the same person share the identity of the first run', async () => {
    const before = await database.db.selectFrom('identities').select('id').execute();
    const summary = await runChannels(config(['cam-a', 'cam-b']), {
      output: { type: 'database', db: database },
      spoolDir,
      statusLine: false,
    });
    const a = await mainTrack(summary.runId, 'cam-a');
    const b = await mainTrack(summary.runId, 'cam-b');
    expect(a.identity_id).toBe(firstIdentity);
    expect(b.identity_id).toBe(firstIdentity);
    const after = await database.db.selectFrom('identities').select('id').execute();
    // The main face created no new identity (minor faces of the clip may have matched or added few).
    expect(after.map((r) => r.id)).toEqual(expect.arrayContaining(before.map((r) => r.id)));
  }, 300_000);
});
