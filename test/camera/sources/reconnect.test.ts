/**
 * Quick reconnects: a TCP reachability check before a network stream's decoder starts, the reconnect
 * backoff defaults, and reopening a source without a probe when its size is known (checked against the
 * header FFmpeg reads).
 */
import net, { type AddressInfo } from 'node:net';
import { assetPath } from '../../../src/assets';
import { channelSchema } from '../../../src/config/schema/channel';
import { openFfmpegReader, SourceChangedError } from '../../../src/pipelines/camera/sources/ffmpeg-reader';
import {
  readFrames,
  RECONNECT_DEFAULTS,
  type ChannelStatusEvent,
} from '../../../src/pipelines/camera/sources/frame-source';
import { checkReachable, reachableAddress } from '../../../src/pipelines/camera/sources/reachable';
import { parseSource } from '../../../src/pipelines/camera/sources/source-uri';
import { SourceError } from '../../../src/pipelines/camera/sources/raw-reader';

/** A port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('reachableAddress', () => {
  it('gives the TCP address of rtsp and http sources, with default ports', () => {
    expect(reachableAddress(parseSource('rtsp://u:p@10.0.0.5/live'))).toEqual({
      host: '10.0.0.5',
      port: 554,
    });
    expect(reachableAddress(parseSource('rtsps://cam.local:8322/a'))).toEqual({
      host: 'cam.local',
      port: 8322,
    });
    expect(reachableAddress(parseSource('http://cam.local/v.mjpg'))).toEqual({ host: 'cam.local', port: 80 });
    expect(reachableAddress(parseSource('https://[::1]/v'))).toEqual({ host: '::1', port: 443 });
    expect(reachableAddress(parseSource('udp://239.0.0.1:1234'))).toBeUndefined();
    expect(reachableAddress(parseSource('/videos/a.mp4'))).toBeUndefined();
  });
});

describe('checkReachable', () => {
  it('passes when the server accepts a connection', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(checkReachable(parseSource(`rtsp://127.0.0.1:${port}/live`))).resolves.toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('fails retryably, naming the source without its credentials, when refused', async () => {
    const port = await closedPort();
    const err = await checkReachable(parseSource(`rtsp://admin:s3cret@127.0.0.1:${port}/live`)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).permanent).toBe(false);
    expect((err as Error).message).toBe(
      `rtsp://***@127.0.0.1:${port}/live: server unreachable (ECONNREFUSED)`,
    );
  });
});

describe('reconnect', () => {
  it('retries quickly by default (250 ms, growing to 1 s)', () => {
    expect(RECONNECT_DEFAULTS).toEqual({ baseMs: 250, maxMs: 1000 });
    const cfg = channelSchema.parse({ id: 'c', source: 'rtsp://cam.local/live' });
    expect(cfg.reconnect).toEqual({ baseMs: 250, maxMs: 1000 });
  });

  it('checks an absent stream with TCP only, reports it once and gives up after maxAttempts', async () => {
    const port = await closedPort();
    const events: ChannelStatusEvent[] = [];
    const frames = readFrames({
      channel: 'cam',
      source: `rtsp://127.0.0.1:${port}/live`,
      reconnect: { maxAttempts: 4 },
      onStatus: (e) => events.push(e),
    });
    await expect(frames.next()).rejects.toThrow(/server unreachable \(ECONNREFUSED\)/);
    expect(events.map((e) => e.state)).toEqual(['connecting', 'reconnecting', 'failed']);
  });
});

describe('openFfmpegReader with knownInfo (a reconnect without probe)', () => {
  const megamind = () => parseSource(assetPath('samples', 'Megamind.avi'));

  it('reads frames of the known size once the header confirms it', async () => {
    const reader = await openFfmpegReader(megamind(), { knownInfo: { width: 720, height: 528, fps: 24 } });
    try {
      expect(reader.info).toEqual({ width: 720, height: 528, fps: 24 });
      const frame = await reader.read();
      expect(frame?.data?.length).toBe(720 * 528 * 3);
    } finally {
      await reader.close();
    }
  });

  it('fails retryably with SourceChangedError when the header tells another size', async () => {
    const err = await openFfmpegReader(megamind(), { knownInfo: { width: 640, height: 480 } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceChangedError);
    expect((err as SourceError).permanent).toBe(false);
    expect((err as Error).message).toMatch(/frame size changed from 640x480 to 720x528/);
  });

  it('still reports decoder errors clearly', async () => {
    const err = await openFfmpegReader(parseSource(assetPath('samples', 'messi5.jpg')), {
      knownInfo: { width: 10, height: 10 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
  });
});
