/**
 * Four channels with Re-ID and gender/age on a real RTSP server (GStreamer's gst-rtsp-server, H.264 at
 * 25 FPS, one session per channel; see test/helpers/rtsp-server.ts), through the real worker pools (build
 * first). With the default (age-bounded) frame buffer no frame is dropped once the channels are live and
 * the models loaded; when the server goes away for 5 s, every channel is live again within 2 s of its
 * return. The figures are printed (drops, frame rate, reconnect times).
 */
import { loadavg } from 'node:os';
import { assetPath } from '../../src/assets';
import { parseConfig } from '../../src/config';
import { closeAllPools } from '../../src/pools/registry';
import { sleep, startLiveRun } from '../helpers/live-run';
import { sampleH264, startRtspServer, type RtspServer } from '../helpers/rtsp-server';

jest.setTimeout(180_000);

const CHANNELS = ['cam1', 'cam2', 'cam3', 'cam4'];

let server: RtspServer | undefined;
afterAll(async () => {
  await server?.stop();
  await closeAllPools();
});

it('4 RTSP channels with Re-ID and gender/age: no drops with spare CPU, live again within 2 s of the server return', async () => {
  // Megamind (a face in most frames, so Re-ID and gender/age really run), six times over: about 67 s.
  server = await startRtspServer({ file: await sampleH264(6, assetPath('samples', 'Megamind.avi')) });
  const config = parseConfig(
    {
      pools: { detect: { size: 2 }, embed: { size: 1 }, classify: { size: 1 } },
      channelDefaults: {
        detector: { type: 'blazeface', variant: 'back' },
        reid: { everyFrames: 5 },
        demographics: { everyFrames: 5 },
      },
      channels: CHANNELS.map((id) => ({ id, source: server!.url })),
    },
    'rtsp-live.json',
  );
  const run = await startLiveRun(config);
  try {
    await Promise.all(CHANNELS.map((id) => run.liveAt(id, 0)));
    // Warm-up: the embed and classify workers load their models on the first faces.
    await sleep(4000);
    const dropped = () => [...run.totals().values()].reduce((n, c) => n + c.dropped, 0);
    const warmupDrops = dropped();
    const from = Date.now();
    await sleep(10_000);
    const to = Date.now();
    const drops = dropped() - warmupDrops;
    const fps = CHANNELS.map((id) => (run.framesBetween(id, from, to) * 1000) / (to - from));

    await server.stop();
    await sleep(5000);
    await server.start();
    const back = Date.now();
    const reconnectMs = await Promise.all(CHANNELS.map(async (id) => (await run.liveAt(id, back)) - back));
    await sleep(1000);
    await run.stop();
    if (process.env.RXV_DEBUG)
      console.log(
        run.statuses
          .filter((e) => e.at >= back - 6000)
          .map((e) => `${e.channel} ${e.state} ${e.at - back} ${e.detail ?? ''}`)
          .join('\n'),
      );

    const identities = new Set(
      run.results.flatMap((r) => Object.values(r.attributes ?? {}).map((a) => a.identity?.id)),
    );
    const genders = new Set(
      run.results.flatMap((r) => Object.values(r.attributes ?? {}).map((a) => a.demographics?.gender)),
    );
    identities.delete(undefined);
    genders.delete(undefined);
    console.log(
      `rtsp-live: drops after warm-up ${drops} (warm-up ${warmupDrops}); frames/s per channel ` +
        `${fps.map((f) => f.toFixed(1)).join(', ')}; live again after the server returned in ` +
        `${reconnectMs.join(', ')} ms; identities ${identities.size}; genders ${[...genders].join(', ')}; ` +
        `load average ${loadavg()[0].toFixed(2)}`,
    );

    expect(identities.size).toBeGreaterThan(0);
    expect(genders.size).toBeGreaterThan(0);
    for (const f of fps) expect(f).toBeGreaterThan(20); // the stream's 25 FPS, processed
    expect(drops).toBe(0);
    expect(Math.max(...reconnectMs)).toBeLessThanOrEqual(2000);
  } finally {
    if (server.running()) await run.stop().catch(() => undefined);
  }
});
