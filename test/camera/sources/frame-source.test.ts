import http from 'node:http';
import { createReadStream, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { assetPath } from '../../../src/assets';
import sharp from 'sharp';
import { readFrames, type ChannelStatusEvent } from '../../../src/pipelines/camera/sources/frame-source';
import { parseSource } from '../../../src/pipelines/camera/sources/source-uri';
import { openFfmpegReader } from '../../../src/pipelines/camera/sources/ffmpeg-reader';
import { SourceError } from '../../../src/pipelines/camera/sources/raw-reader';
import type { Frame } from '../../../src/kernels/frame';

const vtest = () => assetPath('samples', 'vtest.avi');

/** The frames of a reader; every frame of these sources carries its full pixels. */
async function collect(it: AsyncIterable<Frame>): Promise<Array<Frame & { data: Uint8Array }>> {
  const out: Array<Frame & { data: Uint8Array }> = [];
  for await (const f of it) {
    if (!f.data) throw new Error(`frame ${f.seq} has no pixels`);
    out.push({ ...f, data: f.data });
  }
  return out;
}

function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = http.createServer(handler);
    const sockets = new Set<import('node:net').Socket>();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `127.0.0.1:${port}`,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

describe('parseSource', () => {
  it('classifies streams, devices, folders and files and redacts credentials', () => {
    expect(parseSource('rtsp://admin:s3cret@10.0.0.5/live')).toMatchObject({
      kind: 'stream',
      display: 'rtsp://***@10.0.0.5/live',
    });
    expect(parseSource('http://cam.local/video.mjpg').kind).toBe('stream');
    expect(parseSource('/dev/video2')).toMatchObject({ kind: 'device', deviceIndex: 2 });
    expect(parseSource('0')).toMatchObject({ kind: 'device', deviceIndex: 0 });
    expect(parseSource(os.tmpdir()).kind).toBe('images');
    expect(parseSource('/no/such/video.mp4').kind).toBe('file');
  });
});

describe('openFfmpegReader', () => {
  it('closes promptly while unread frames are still in the pipe', async () => {
    const reader = await openFfmpegReader(parseSource(vtest()));
    expect((await reader.read())?.data?.length).toBe(768 * 576 * 3);
    await reader.close(); // would hang if close waited for the pipe to drain
    expect(await reader.read()).toBeNull();
  }, 10_000);
});

describe('readFrames', () => {
  it('reads a video file and reports its lifecycle', async () => {
    const events: ChannelStatusEvent[] = [];
    const frames = await collect(
      readFrames({
        channel: 'c1',
        source: vtest(),
        pace: 'asap',
        maxFrames: 12,
        onStatus: (e) => events.push(e),
      }),
    );
    expect(frames).toHaveLength(12);
    expect(frames.map((f) => f.seq)).toEqual([...Array(12).keys()]);
    expect(frames[0]).toMatchObject({ width: 768, height: 576 });
    expect(frames[0].data.length).toBe(768 * 576 * 3);
    expect(events.map((e) => e.state)).toEqual(['connecting', 'live', 'ended']);
    expect(events[1].info).toMatchObject({ width: 768, height: 576 });
  });

  it('loops a file past its end when asked, in one decoder (no reconnect)', async () => {
    const events: ChannelStatusEvent[] = [];
    const frames = await collect(
      readFrames({
        channel: 'c',
        source: assetPath('samples', 'Megamind.avi'),
        loop: true,
        maxFrames: 300,
        pace: 'asap',
        onStatus: (e) => events.push(e),
      }),
    );
    expect(frames).toHaveLength(300); // Megamind.avi has 270 frames
    expect(Buffer.from(frames[270].data).equals(Buffer.from(frames[0].data))).toBe(true);
    expect(Buffer.from(frames[271].data).equals(Buffer.from(frames[1].data))).toBe(true);
    expect(events.map((e) => e.state)).toEqual(['connecting', 'live', 'ended']);
  });

  it('reads a folder of images in natural order, skipping a corrupt one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-seq-'));
    for (const i of [1, 2, 10]) {
      // BGR (i, 2i, 3i) written as RGB (3i, 2i, i)
      await sharp({
        create: { width: 60, height: 40, channels: 3, background: { r: 3 * i, g: 2 * i, b: i } },
      })
        .png()
        .toFile(path.join(dir, `frame${i}.png`));
    }
    writeFileSync(path.join(dir, 'frame3.png'), 'not a png');
    const frames = await collect(readFrames({ channel: 'c', source: dir, pace: 'asap' }));
    expect(frames.map((f) => [...f.data.subarray(0, 3)])).toEqual([
      [1, 2, 3],
      [2, 4, 6],
      [10, 20, 30],
    ]);
    expect(frames[0]).toMatchObject({ width: 60, height: 40 });
  });

  it('fails permanently and clearly on a missing file', async () => {
    const events: ChannelStatusEvent[] = [];
    const it = readFrames({ channel: 'c', source: '/nowhere/cam.avi', onStatus: (e) => events.push(e) });
    await expect(collect(it)).rejects.toThrow(/\/nowhere\/cam\.avi: file not found/);
    expect(events.at(-1)?.state).toBe('failed');
  });

  it('reads an HTTP stream through FFmpeg', async () => {
    const size = statSync(vtest()).size;
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/x-msvideo', 'content-length': size });
      createReadStream(vtest()).pipe(res);
    });
    try {
      const frames = await collect(
        readFrames({ channel: 'h', source: `http://${srv.url}/vtest.avi`, maxFrames: 5, pace: 'asap' }),
      );
      expect(frames).toHaveLength(5);
      expect(frames[0]).toMatchObject({ width: 768, height: 576 });
    } finally {
      await srv.close();
    }
  });

  it('reports wrong credentials without printing them, and does not retry', async () => {
    let requests = 0;
    const srv = await serve((_req, res) => {
      requests++;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="cam"' });
      res.end();
    });
    const events: ChannelStatusEvent[] = [];
    try {
      const err = await collect(
        readFrames({
          channel: 'h',
          source: `http://admin:hunter22@${srv.url}/live`,
          onStatus: (e) => events.push(e),
          reconnect: { baseMs: 10, maxAttempts: 3 },
        }),
      ).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(SourceError);
      expect((err as Error).message).toContain('http://***@');
      expect((err as Error).message).toMatch(/401|Unauthorized/);
      expect(JSON.stringify(events) + (err as Error).message).not.toContain('hunter22');
      expect(events.map((e) => e.state)).not.toContain('reconnecting');
      expect(requests).toBeLessThanOrEqual(3); // ffprobe may try a couple of auth schemes; no reconnect loop
    } finally {
      await srv.close();
    }
  });

  it('detects a stalled stream, reconnects with backoff, then gives up', async () => {
    const size = statSync(vtest()).size;
    let connections = 0;
    const srv = await serve((req, res) => {
      // Requests 1-3 (probe + decode, then a reconnect's decode: no second probe, the size is known) stall
      // after some frames; later ones are refused.
      if (++connections > 3) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'video/x-msvideo', 'content-length': size });
      // Send the first ~40 frames' worth, then go silent without closing.
      const stream = createReadStream(vtest(), { start: 0, end: 600_000 });
      stream.on('data', (c) => res.write(c));
    });
    const events: ChannelStatusEvent[] = [];
    try {
      const frames: unknown[] = [];
      const err = await (async () => {
        for await (const f of readFrames({
          channel: 's',
          source: `http://${srv.url}/stall.avi`,
          stallTimeoutMs: 1500,
          reconnect: { baseMs: 10, maxMs: 20, maxAttempts: 1 },
          onStatus: (e) => events.push(e),
        }))
          frames.push(f);
      })().catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect(frames.length).toBeGreaterThan(0);
      const states = events.map((e) => e.state);
      expect(states).toContain('stalled');
      expect(states.filter((s) => s === 'live').length).toBe(2); // live again after reconnecting
      expect(states.at(-1)).toBe('failed');
      expect(connections).toBeGreaterThanOrEqual(4);
    } finally {
      await srv.close();
    }
  });
});
