/**
 * @jest-environment ./test/fixtures/onnx/ort-environment.ts
 *
 * Decoder-side letterboxing: FFmpeg hands over the detector's input instead of full frames. The faces
 * found must be the ones found on full frames letterboxed in TypeScript, and the channel must ask for
 * full frames exactly when something needs them.
 */
import { assetPath } from '../../../src/assets';
import type { ChannelConfig } from '../../../src/config/schema/channel';
import { channelSchema } from '../../../src/config/schema/channel';
import { decoderResize, type DetectFn } from '../../../src/pipelines/camera/channel';
import { createDetector, type FaceDetector } from '../../../src/pipelines/camera/detectors';
import { letterbox, planLetterbox } from '../../../src/pipelines/camera/detectors/preprocess';
import { iou, type InputLayout } from '../../../src/pipelines/camera/frame';
import { letterboxFilter, openFfmpegReader } from '../../../src/pipelines/camera/sources/ffmpeg-reader';
import { readFrames } from '../../../src/pipelines/camera/sources/frame-source';
import { parseSource } from '../../../src/pipelines/camera/sources/source-uri';

const megamind = () => assetPath('samples', 'Megamind.avi');

async function readAll(layout: InputLayout | undefined, count: number): Promise<Uint8Array[]> {
  const reader = await openFfmpegReader(parseSource(megamind()), { resize: layout });
  try {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const data = await reader.read();
      if (!data) break;
      out.push(data);
    }
    return out;
  } finally {
    await reader.close();
  }
}

describe('letterboxFilter', () => {
  it('crops only with a ROI, scales to the planned size and pads where the plan pads', () => {
    const center: InputLayout = { width: 128, height: 128, align: 'center' };
    expect(letterboxFilter(720, 528, center)).toBe(
      'scale=128:94:flags=area,format=bgr24,pad=128:128:0:17:black',
    );
    const roi: InputLayout = { width: 64, height: 64, align: 'top-left', roi: [101, 33, 300, 200] };
    expect(letterboxFilter(720, 528, roi)).toBe(
      'crop=300:200:101:33:exact=1,scale=64:43:flags=area,format=bgr24,pad=64:64:0:0:black',
    );
    // A small source is enlarged, bilinearly.
    expect(letterboxFilter(100, 100, center)).toBe('scale=128:128:flags=bilinear,format=bgr24');
  });

  it('names the ROI when it misses the frame', () => {
    expect(() =>
      letterboxFilter(720, 528, { width: 128, height: 128, align: 'center', roi: [800, 0, 10, 10] }),
    ).toThrow(/roi \[800, 0, 10, 10\] lies outside the 720x528 frame/);
  });
});

describe('decoder-resized frames', () => {
  let detector: FaceDetector;
  beforeAll(async () => {
    detector = await createDetector({ type: 'blazeface', variant: 'front' });
  });
  afterAll(() => detector?.dispose());

  it('carry the pixels of the TypeScript letterbox (same plan, padding black)', async () => {
    const layout: InputLayout = { width: 96, height: 96, align: 'top-left', roi: [101, 33, 401, 301] };
    const [full] = await readAll(undefined, 1);
    const [resized] = await readAll(layout, 1);
    expect(resized.length).toBe(96 * 96 * 3);
    const reference = letterbox({ width: 720, height: 528, data: full }, 96, 96, layout)!;
    const plan = planLetterbox(720, 528, layout)!;
    let diff = 0;
    let content = 0;
    for (let y = 0; y < 96; y++) {
      for (let x = 0; x < 96; x++) {
        const inside = x < plan.resizedW && y < plan.resizedH;
        for (let c = 0; c < 3; c++) {
          const i = (y * 96 + x) * 3 + c;
          if (!inside) expect(resized[i]).toBe(0);
          else {
            diff += Math.abs(resized[i] - reference.bgr[i]);
            content++;
          }
        }
      }
    }
    // FFmpeg's area filter and chroma upsampling differ slightly from ours: a few levels on average.
    expect(diff / content).toBeLessThan(4);
  });

  it('give the faces the full frames give, at the same place', async () => {
    const layout = detector.inputLayout!;
    expect(layout).toEqual({ width: 128, height: 128, align: 'center', roi: undefined });
    const full = await readAll(undefined, 40);
    const resized = await readAll(layout, 40);
    expect(resized).toHaveLength(40);
    let faces = 0;
    for (let i = 0; i < 40; i++) {
      const a = await detector.detect({ width: 720, height: 528, data: full[i] });
      const b = await detector.detect({ width: 720, height: 528, resized: { ...layout, data: resized[i] } });
      // Borderline faces (score near the 0.5 threshold) may come and go; confident ones must match.
      for (const [x, y] of [
        [a, b],
        [b, a],
      ]) {
        for (const d of x.filter((f) => f.score >= 0.6)) {
          const match = y.find((o) => iou(d.box, o.box) > 0.85);
          expect(match).toBeDefined();
          expect(Math.abs(d.score - match!.score)).toBeLessThan(0.1);
        }
      }
      faces += a.filter((f) => f.score >= 0.6).length;
    }
    expect(faces).toBeGreaterThan(20); // Megamind's face is on screen in these frames
  });

  it('are refused, naming both layouts, when made for another detector input', async () => {
    const data = new Uint8Array(64 * 64 * 3);
    await expect(
      detector.detect({ width: 720, height: 528, resized: { width: 64, height: 64, align: 'center', data } }),
    ).rejects.toThrow(/detector input 128x128 center: .*resized input is 64x64 center/);
  });

  it('come out of readFrames with the source size and no full picture', async () => {
    const frames = [];
    for await (const f of readFrames({
      channel: 'c',
      source: megamind(),
      pace: 'asap',
      maxFrames: 3,
      resize: detector.inputLayout,
    })) {
      frames.push(f);
    }
    expect(frames).toHaveLength(3);
    for (const f of frames) {
      expect(f).toMatchObject({ width: 720, height: 528 });
      expect(f.data).toBeUndefined();
      expect(f.resized?.data.length).toBe(128 * 128 * 3);
    }
  });
});

describe('decoderResize (when a channel reads full frames)', () => {
  const layout: InputLayout = { width: 128, height: 128, align: 'center' };
  const withLayout = (l: InputLayout | undefined): DetectFn =>
    Object.assign(async () => [], { inputLayout: async () => l });
  const config = (fullFrames: string): ChannelConfig =>
    channelSchema.parse({ id: 'cam', source: '/videos/a.mp4', fullFrames });

  it("'auto' resizes unless crops or the live view need full frames, or the detector cannot", async () => {
    expect(await decoderResize(config('auto'), { detect: withLayout(layout) })).toEqual(layout);
    expect(
      await decoderResize(config('auto'), { detect: withLayout(layout), needsFullFrames: true }),
    ).toBeUndefined();
    expect(
      await decoderResize(config('auto'), { detect: withLayout(layout), tapFrame: () => undefined }),
    ).toBeUndefined();
    expect(await decoderResize(config('auto'), { detect: withLayout(undefined) })).toBeUndefined();
    expect(await decoderResize(config('auto'), { detect: async () => [] })).toBeUndefined();
    const broken = Object.assign(async () => [], {
      inputLayout: async (): Promise<InputLayout> => {
        throw new Error('model missing');
      },
    });
    expect(await decoderResize(config('auto'), { detect: broken })).toBeUndefined();
  });

  it("'always' never resizes; 'never' always does and says why it cannot", async () => {
    expect(await decoderResize(config('always'), { detect: withLayout(layout) })).toBeUndefined();
    expect(
      await decoderResize(config('never'), { detect: withLayout(layout), tapFrame: () => undefined }),
    ).toEqual(layout);
    await expect(decoderResize(config('never'), { detect: withLayout(undefined) })).rejects.toThrow(
      "channel cam: fullFrames is 'never' but its detector needs full frames",
    );
    await expect(
      decoderResize(config('never'), { detect: withLayout(layout), needsFullFrames: true }),
    ).rejects.toThrow(/Re-ID \/ gender-age need face crops/);
  });
});
