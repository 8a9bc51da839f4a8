/**
 * Stream faults (issue 14): on a real RTSP server (test/helpers/rtsp-server.ts), one channel's FFmpeg
 * decoder is killed, then its stream disappears for 3 s and comes back. The channel reconnects within 2 s
 * of each (the decoder's death, the stream's return); the other channels, on another server, keep their
 * frame rate: within 5 % of their rate over an undisturbed window of the same length in the same run.
 * Detection only, through the real detect pool (build first). The figures are printed.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { assetPath } from '../../src/assets';
import { parseConfig } from '../../src/config';
import { closeAllPools } from '../../src/pools/registry';
import { sleep, startLiveRun } from '../helpers/live-run';
import { sampleH264, startRtspServer, type RtspServer } from '../helpers/rtsp-server';

jest.setTimeout(180_000);

const WINDOW_MS = 10_000;
const OTHERS = ['other1', 'other2'];

/** The FFmpeg children of this process reading `url`. */
function decodersOf(url: string): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]).toString();
  return out
    .split('\n')
    .filter((line) => line.includes('ffmpeg') && line.includes(url))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

const servers: RtspServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  await closeAllPools();
});

it('a killed decoder and a stream that comes back: reconnect within 2 s, the other channels undisturbed', async () => {
  const file = await sampleH264(6, assetPath('samples', 'Megamind.avi'));
  const victimServer = await startRtspServer({ file });
  const otherServer = await startRtspServer({ file });
  servers.push(victimServer, otherServer);
  const config = parseConfig(
    {
      pools: { detect: { size: 2 } },
      channels: [
        { id: 'victim', source: victimServer.url },
        ...OTHERS.map((id) => ({ id, source: otherServer.url })),
      ],
    },
    'streams-faults.json',
  );
  const run = await startLiveRun(config);
  try {
    await Promise.all(['victim', ...OTHERS].map((id) => run.liveAt(id, 0)));
    await sleep(2000);

    const droppedByOthers = () => OTHERS.map((id) => run.totals().get(id)?.dropped ?? 0);
    const calm = Date.now();
    const dropsAtCalm = droppedByOthers();
    await sleep(WINDOW_MS);
    const faulty = Date.now();
    const dropsAtFaulty = droppedByOthers();
    const decoders = decodersOf(victimServer.url);
    expect(decoders).toHaveLength(1);
    process.kill(decoders[0], 'SIGKILL');
    const afterKillMs = (await run.liveAt('victim', faulty)) - faulty;
    await victimServer.stop();
    await sleep(3000);
    await victimServer.start();
    const back = Date.now();
    const afterReturnMs = (await run.liveAt('victim', back)) - back;
    await sleep(Math.max(0, faulty + WINDOW_MS - Date.now()));
    const end = Date.now();
    const dropsAtEnd = droppedByOthers();
    await run.stop();

    const rate = (id: string, from: number, to: number) =>
      (run.framesBetween(id, from, to) * 1000) / (to - from);
    const others = OTHERS.map((id) => ({ id, calm: rate(id, calm, faulty), faulty: rate(id, faulty, end) }));
    console.log(
      `streams fault: victim live again ${afterKillMs} ms after its decoder was killed, ${afterReturnMs} ms ` +
        `after its server returned (3 s away); others (frames/s undisturbed -> disturbed): ` +
        others.map((o) => `${o.id} ${o.calm.toFixed(2)} -> ${o.faulty.toFixed(2)}`).join(', ') +
        `; their drops ${dropsAtFaulty.map((n, i) => n - dropsAtCalm[i]).join(', ')} -> ` +
        `${dropsAtEnd.map((n, i) => n - dropsAtFaulty[i]).join(', ')}; load average ${loadavg()[0].toFixed(2)}`,
    );

    expect(afterKillMs).toBeLessThanOrEqual(2000);
    expect(afterReturnMs).toBeLessThanOrEqual(2000);
    for (const o of others) {
      expect(o.calm).toBeGreaterThan(20);
      expect(Math.abs(o.faulty - o.calm) / o.calm).toBeLessThanOrEqual(0.05);
    }
  } finally {
    await run.stop().catch(() => undefined);
  }
});
