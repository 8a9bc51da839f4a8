import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assetPath } from '../../../src/assets';
import { parseConfig } from '../../../src/config';
import { openDatabase, type Database } from '../../../src/db';
import { runChannels } from '../../../src/pipelines/camera/run-channels';
import { closeAllPools } from '../../../src/pools/registry';
import { createTestDatabaseUrl, describePostgres, type TestDatabase } from '../../helpers/postgres';

/** A config on the sample videos; channels read as fast as possible so the test is quick. */
function config(extra: Record<string, unknown>[] = [], maxFrames = 48) {
  return parseConfig(
    {
      pools: { detect: { size: 2 } },
      channelDefaults: { pace: 'asap', maxFrames },
      channels: [
        { id: 'mega', source: assetPath('samples', 'Megamind.avi'), tracker: { minHits: 3 } },
        { id: 'street', source: assetPath('samples', 'vtest.avi') },
        ...extra,
      ],
    },
    'test-config.json',
  );
}

afterAll(() => closeAllPools());

describePostgres('runChannels on PostgreSQL', () => {
  let testDb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    testDb = await createTestDatabaseUrl('camera');
    database = await openDatabase({ url: testDb.url });
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('writes detections, tracks and status events of every channel; a broken channel does not stop the others', async () => {
    const cfg = config([{ id: 'broken', source: '/no/such/camera.avi' }]);
    const summary = await runChannels(cfg, {
      output: { type: 'database', db: database },
      spoolDir: mkdtempSync(path.join(os.tmpdir(), 'rxv-spool-')),
      statusLine: false,
    });
    const byId = Object.fromEntries(summary.channels.map((c) => [c.id, c]));
    // 'wait' buffering (asap file): every frame is processed, none dropped.
    expect(byId.mega).toMatchObject({ frames: 48, dropped: 0, state: 'ended' });
    expect(byId.street).toMatchObject({ frames: 48, dropped: 0, state: 'ended' });
    expect(byId.broken.state).toBe('failed');
    expect(byId.broken.error).toMatch(/\/no\/such\/camera\.avi: file not found/);
    expect(byId.mega.faces).toBeGreaterThan(30); // Megamind's face is visible in most frames

    const db = database.db;
    const detections = await db
      .selectFrom('detections')
      .selectAll()
      .where('run_id', '=', summary.runId)
      .execute();
    expect(detections.length).toBe(summary.rows.detections);
    expect(detections.length).toBe(byId.mega.faces + byId.street.faces);
    expect(new Set(detections.map((d) => d.channel_id))).toContain('mega');
    for (const d of detections) {
      expect(d.x2).toBeGreaterThan(d.x1);
      expect(d.y2).toBeGreaterThan(d.y1);
      expect(d.x2).toBeLessThanOrEqual(720 + 1); // boxes are in source pixels (Megamind is 720x528)
    }

    const tracks = await db.selectFrom('tracks').selectAll().where('run_id', '=', summary.runId).execute();
    expect(tracks.length).toBeGreaterThan(0);
    // Every stored track ended (the channel finished) and its detections point to it.
    for (const t of tracks) {
      expect(t.state).toBe('ended');
      expect(t.frames).toBeGreaterThanOrEqual(3);
      const own = detections.filter((d) => d.channel_id === t.channel_id && d.track_id === t.track_id);
      expect(own.length).toBeGreaterThanOrEqual(3);
    }

    const events = await db
      .selectFrom('channel_status_events')
      .selectAll()
      .where('run_id', '=', summary.runId)
      .execute();
    const states = (id: string) => events.filter((e) => e.channel_id === id).map((e) => e.state);
    expect(states('mega')).toEqual(['connecting', 'live', 'ended']);
    expect(states('broken')).toEqual(['connecting', 'failed']);

    const run = await db
      .selectFrom('pipeline_runs')
      .selectAll()
      .where('id', '=', summary.runId)
      .executeTakeFirstOrThrow();
    expect(run.status).toBe('failed'); // one channel failed
    expect(run.ended_at).not.toBeNull();
    const channels = await db.selectFrom('channels').select(['id', 'source']).execute();
    expect(channels.map((c) => c.id).sort()).toEqual(['broken', 'mega', 'street']);
  });

  it('stores only every Nth frame when detections are sampled', async () => {
    const cfg = config([], 30);
    cfg.channels = cfg
      .channels!.filter((c) => c.id === 'mega')
      .map((c) => ({ ...c, detections: { every: 10 } }));
    const summary = await runChannels(cfg, { output: { type: 'database', db: database }, statusLine: false });
    const rows = await database.db
      .selectFrom('detections')
      .select('frame_seq')
      .where('run_id', '=', summary.runId)
      .execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.frame_seq % 10))).toEqual(new Set([0]));
  });
});

describe('runChannels to JSON Lines', () => {
  it('writes the same kinds of rows as files', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-jsonl-'));
    const summary = await runChannels(config([], 24), { output: { type: 'jsonl', dir }, statusLine: false });
    const lines = (f: string) =>
      readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    const detections = lines('detections.jsonl');
    expect(detections.length).toBe(summary.rows.detections);
    expect(detections.length).toBeGreaterThan(0);
    expect(detections[0]).toMatchObject({ channel_id: expect.any(String), frame_seq: expect.any(Number) });
    expect(lines('channel_status_events.jsonl').map((e) => e.state)).toContain('ended');
  });
});

describe('runChannels full frames for a frame tap', () => {
  /** Frames of one 30-frame channel that reached `tapFrame` with their full picture. */
  async function framesWithPixels(wantsPixels?: (channel: string) => boolean): Promise<number[]> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-tap-'));
    const cfg = config([], 30);
    cfg.channels = cfg.channels!.filter((c) => c.id === 'street');
    const seen: number[] = [];
    await runChannels(cfg, {
      output: { type: 'jsonl', dir },
      statusLine: false,
      tapFrame: (f) => {
        if (f.data) seen.push(f.seq);
      },
      wantsPixels,
    });
    return seen;
  }

  it('come every fullFrameEvery frames while the tap wants them, and not at all when it does not', async () => {
    expect(await framesWithPixels()).toEqual([0, 5, 10, 15, 20, 25]);
    expect(await framesWithPixels(() => false)).toEqual([]);
  });
});
