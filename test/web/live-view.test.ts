import sharp from 'sharp';
import type { FrameResult } from '../../src/pipelines/camera/channel';
import type { Frame } from '../../src/kernels/frame';
import { closeAllPools } from '../../src/pools/registry';
import { LiveView, poolEncoder, type EncodeFn, type LiveFrame } from '../../src/web/live-view';
import type { OverlayItem } from '../../src/kernels/overlay';

const W = 64;
const H = 48;

function frame(seq: number, channel = 'cam'): Frame {
  const data = new Uint8Array(W * H * 3).fill(seq % 256);
  return { channel, seq, capturedAt: seq, width: W, height: H, data };
}

function result(seq: number, channel = 'cam', faces = 0): FrameResult {
  return {
    channel,
    seq,
    capturedAt: seq,
    detectedAt: seq + 1,
    width: W,
    height: H,
    detections: Array.from({ length: faces }, () => ({
      box: [4, 4, 20, 20] as [number, number, number, number],
      score: 0.9,
    })),
    tracking: { seq, timestamp: seq, tracks: [], events: [], trackIds: [] },
  };
}

/** An encoder that records what it was asked to encode and resolves when the test says so. */
function recordingEncoder() {
  const calls: Array<{ first: number; items: OverlayItem[]; footer: string; resolve: () => void }> = [];
  const encode: EncodeFn = (image, items, footer) =>
    new Promise((resolve) => {
      calls.push({
        first: image.data[0],
        items,
        footer,
        resolve: () =>
          resolve({ jpeg: Buffer.from([image.data[0]]), width: image.width, height: image.height }),
      });
    });
  return { calls, encode };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('LiveView', () => {
  it('copies nothing and encodes nothing while nobody watches', () => {
    const { calls, encode } = recordingEncoder();
    const view = new LiveView({ fps: 1000, encode });
    for (let seq = 0; seq < 20; seq++) {
      view.tapFrame(frame(seq));
      view.onResult(result(seq));
    }
    expect(calls).toHaveLength(0);
    expect(view.stats('cam')).toMatchObject({ viewers: 0, copied: 0, encoded: 0 });
  });

  it('wants the full frames of watched channels only', () => {
    const view = new LiveView({ fps: 1000, encode: recordingEncoder().encode });
    expect(view.wantsPixels('cam')).toBe(false);
    const stop = view.watch('cam', () => undefined);
    expect(view.wantsPixels('cam')).toBe(true);
    expect(view.wantsPixels('other')).toBe(false);
    stop();
    expect(view.wantsPixels('cam')).toBe(false);
  });

  it('encodes the copied frame once its result arrives, with its overlay, and sends it to watchers', async () => {
    const { calls, encode } = recordingEncoder();
    let now = 0;
    const view = new LiveView({ fps: 5, encode, now: () => now });
    const got: LiveFrame[] = [];
    const stop = view.watch('cam', (f) => got.push(f));
    const f = frame(3);
    view.tapFrame(f);
    f.data!.fill(0); // detection moves the pixels away: the view must have its own copy
    view.onResult(result(3, 'cam', 1));
    expect(calls).toHaveLength(1);
    expect(calls[0].first).toBe(3);
    expect(calls[0].items).toEqual([{ box: [4, 4, 20, 20], label: '0.90', kind: 'untracked' }]);
    expect(calls[0].footer).toContain('#3');
    calls[0].resolve();
    await flush();
    expect(got.map((g) => [g.seq, g.jpeg[0]])).toEqual([[3, 3]]);
    expect(view.latest('cam')?.seq).toBe(3);
    stop();
    expect(view.viewers('cam')).toBe(0);
    now += 1000;
    view.tapFrame(frame(4));
    expect(view.stats('cam').copied).toBe(1);
  });

  it('limits copies to fps per channel and to one frame in flight', async () => {
    const { calls, encode } = recordingEncoder();
    let now = 0;
    const view = new LiveView({ fps: 5, encode, now: () => now });
    view.watch('cam', () => undefined);
    // 25 frames a second for two seconds; encoding takes no time.
    for (let seq = 0; seq < 50; seq++) {
      now = seq * 40;
      view.tapFrame(frame(seq));
      view.onResult(result(seq));
      calls.at(-1)?.resolve();
      await flush();
    }
    expect(calls.map((c) => c.first)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
    // While an encoding runs, no new copy is made even when the interval passed.
    now = 10_000;
    view.tapFrame(frame(60));
    view.onResult(result(60));
    now = 20_000;
    view.tapFrame(frame(61));
    expect(view.stats('cam').copied).toBe(11);
    calls.at(-1)!.resolve();
    await flush();
    view.tapFrame(frame(62));
    expect(view.stats('cam').copied).toBe(12);
  });

  it('abandons a copy whose result never comes (its detection failed) and goes on', () => {
    const { calls, encode } = recordingEncoder();
    let now = 0;
    const view = new LiveView({ fps: 5, encode, now: () => now });
    view.watch('cam', () => undefined);
    view.tapFrame(frame(1));
    view.onResult(result(2)); // frame 1 was skipped
    expect(view.stats('cam').abandoned).toBe(1);
    expect(calls).toHaveLength(0);
    now = 1000;
    view.tapFrame(frame(3));
    view.onResult(result(3));
    expect(calls).toHaveLength(1);
  });

  it('watches channels independently', () => {
    const { calls, encode } = recordingEncoder();
    const view = new LiveView({ fps: 5, encode });
    view.watch('a', () => undefined);
    view.tapFrame(frame(1, 'a'));
    view.tapFrame(frame(1, 'b'));
    view.onResult(result(1, 'a'));
    view.onResult(result(1, 'b'));
    expect(calls).toHaveLength(1);
    expect(view.stats('b').copied).toBe(0);
  });
});

describe('poolEncoder (encode worker)', () => {
  afterAll(() => closeAllPools());

  it('encodes a BGR frame into a scaled JPEG with the boxes drawn in the right colour', async () => {
    const width = 1280;
    const height = 960;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i += 3) {
      data[i] = 200; // blue in BGR
      data[i + 1] = 0;
      data[i + 2] = 0;
    }
    const encode = poolEncoder({ quality: 90, maxWidth: 960 });
    const out = await encode(
      { width, height, data },
      [{ box: [40, 40, 400, 400], label: '#1', kind: 'confirmed' }],
      'cam #1',
      'cam#1',
    );
    expect(out).toMatchObject({ width: 960, height: 720 });
    expect(data.byteLength).toBe(0); // the copy was transferred, not duplicated
    const decoded = await sharp(out.jpeg).raw().toBuffer({ resolveWithObject: true });
    expect(decoded.info).toMatchObject({ width: 960, height: 720, channels: 3 });
    const px = (x: number, y: number) => [...decoded.data.subarray((y * 960 + x) * 3, (y * 960 + x) * 3 + 3)];
    // The background is blue (BGR was converted to RGB).
    const [r, g, b] = px(900, 10);
    expect(b).toBeGreaterThan(150);
    expect(r).toBeLessThan(60);
    expect(g).toBeLessThan(60);
    // The box's left edge (x = 40 * 0.75 = 30, 3 px wide at this size) is green, drawn at the output scale.
    const edge = px(31, 150);
    expect(edge[1]).toBeGreaterThan(150);
    expect(edge[2]).toBeLessThan(120);
  });
});
