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
import { decoderOutputs, type DetectFn } from '../../../src/pipelines/camera/channel';
import type { FaceDetector } from '../../../src/kernels/detectors';
import { createDetector } from '../../../src/kernels/detectors/open';
import { planLetterbox } from '../../../src/kernels/detectors/letterbox';
import { letterbox } from '../../../src/kernels/detectors/resample';
import { iou, type InputLayout } from '../../../src/kernels/frame';
import {
  letterboxFilter,
  openFfmpegReader,
  type FfmpegReaderOptions,
} from '../../../src/pipelines/camera/sources/ffmpeg-reader';
import type { RawFrameReader } from '../../../src/pipelines/camera/sources/raw-reader';
import { readFrames } from '../../../src/pipelines/camera/sources/frame-source';
import { parseSource } from '../../../src/pipelines/camera/sources/source-uri';

const megamind = () => assetPath('samples', 'Megamind.avi');

async function readAll(layout: InputLayout | undefined, count: number): Promise<Uint8Array[]> {
  const reader = await openFfmpegReader(parseSource(megamind()), { resize: layout });
  try {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const raw = await reader.read();
      const data = layout ? raw?.resized : raw?.data;
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

  /**
   * Reads `count` frames of a reader opened with `options` and checks them against separate full and
   * resized decodes: the resized input on every frame, the full picture exactly where `fullAt` says.
   */
  async function expectInStep(
    options: Omit<FfmpegReaderOptions, 'resize'>,
    count: number,
    fullAt: (i: number) => boolean,
  ): Promise<RawFrameReader> {
    const layout = detector.inputLayout!;
    const reader = await openFfmpegReader(parseSource(megamind()), { resize: layout, ...options });
    const full = await readAll(undefined, count);
    const resized = await readAll(layout, count);
    try {
      for (let i = 0; i < count; i++) {
        const raw = await reader.read();
        expect(Buffer.from(raw!.resized!).equals(Buffer.from(resized[i]))).toBe(true);
        if (fullAt(i)) expect(Buffer.from(raw!.data!).equals(Buffer.from(full[i]))).toBe(true);
        else expect(raw!.data).toBeUndefined();
      }
    } finally {
      await reader.close();
    }
    return reader;
  }

  it('come with every Nth full frame when asked, both from one decoder, in step', async () => {
    const reader = await expectInStep({ fullEvery: 5 }, 23, (i) => i % 5 === 0);
    expect(reader.fullEvery).toBe(5);
  });

  it('skip the due full frames nobody wants (wantsPixels), the others still in step', async () => {
    let asked = 0;
    // Wanted: due full frames 0, 2 and 4 (frames 0, 6, 12); declined: frames 3, 9, 15.
    const wantsPixels = () => asked++ % 2 === 0;
    await expectInStep({ fullEvery: 3, wantsPixels }, 16, (i) => i % 6 === 0);
    expect(asked).toBeGreaterThanOrEqual(6);
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

describe('decoderOutputs (which pictures a channel reads)', () => {
  const layout: InputLayout = { width: 128, height: 128, align: 'center' };
  const withLayout = (l: InputLayout | undefined): DetectFn =>
    Object.assign(async () => [], { inputLayout: async () => l });
  const config = (fullFrames: string, fullFrameEvery?: number, extra: object = {}): ChannelConfig =>
    channelSchema.parse({ id: 'cam', source: '/videos/a.mp4', fullFrames, fullFrameEvery, ...extra });

  const always = () => true;

  it("'auto' resizes, adds every Nth full frame when something may want pixels", async () => {
    expect(await decoderOutputs(config('auto'), { detect: withLayout(layout) })).toEqual({ resize: layout });
    expect(await decoderOutputs(config('auto'), { detect: withLayout(layout), wantsPixels: always })).toEqual(
      {
        resize: layout,
        fullEvery: 5,
      },
    );
    expect(
      await decoderOutputs(config('auto', 2), { detect: withLayout(layout), wantsPixels: () => false }),
    ).toEqual({ resize: layout, fullEvery: 2 });
    // Default cadence: the face stages' own, the smallest of them.
    const faces = config('auto', undefined, {
      reid: { enabled: true, everyFrames: 4 },
      demographics: { enabled: true, everyFrames: 3 },
    });
    expect(await decoderOutputs(faces, { detect: withLayout(layout), wantsPixels: always })).toEqual({
      resize: layout,
      fullEvery: 3,
    });
  });

  it("'auto' gives full frames to a detector without a fixed input, or one that cannot be asked", async () => {
    expect(await decoderOutputs(config('auto'), { detect: withLayout(undefined) })).toEqual({});
    expect(await decoderOutputs(config('auto'), { detect: async () => [] })).toEqual({});
    const broken = Object.assign(async () => [], {
      inputLayout: async (): Promise<InputLayout> => {
        throw new Error('model missing');
      },
    });
    expect(await decoderOutputs(config('auto'), { detect: broken })).toEqual({});
  });

  it("'always' gives full frames only; 'never' the resized input only, and says why it cannot", async () => {
    expect(await decoderOutputs(config('always'), { detect: withLayout(layout) })).toEqual({});
    expect(
      await decoderOutputs(config('never'), { detect: withLayout(layout), wantsPixels: always }),
    ).toEqual({ resize: layout });
    await expect(decoderOutputs(config('never'), { detect: withLayout(undefined) })).rejects.toThrow(
      "channel cam: fullFrames is 'never' but its detector needs full frames",
    );
    await expect(
      decoderOutputs(config('never', undefined, { reid: { enabled: true } }), { detect: withLayout(layout) }),
    ).rejects.toThrow(/Re-ID \/ gender-age need face crops/);
  });
});
