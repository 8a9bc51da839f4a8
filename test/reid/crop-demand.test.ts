/**
 * Crop demand: which face crops a channel's tracks still want, so that periodic full frames and crops are
 * skipped once every face is done (settled or at maxSamples), and embed crops are cut only for faces
 * better than a track's best by `qualityGain`. Fake embed/classify functions (no model); crops cut by
 * `attachCrops` on a synthetic frame.
 */
import { Subject } from 'rxjs';
import { parseConfig } from '../../src/config/load';
import type { ChannelConfig } from '../../src/config/schema/channel';
import type { FrameResult } from '../../src/pipelines/camera/channel';
import type { Detection } from '../../src/kernels/frame';
import {
  createFaceAnalysis,
  narrowCropRequest,
  type ClassifyFn,
  type EmbedFn,
} from '../../src/pipelines/camera/reid/face-analysis';
import { attachCrops, faceQuality, type CropRequest } from '../../src/kernels/faces/face-crop';
import type { Track } from '../../src/pipelines/camera/tracker/tracker';
import { faceFrame, settle } from '../helpers/face-frames';

function setup(channel: Record<string, unknown>) {
  const config = parseConfig(
    {
      channels: [
        {
          id: 'cam',
          source: 'cam.mp4',
          reid: { everyFrames: 1 },
          demographics: { enabled: true, everyFrames: 1 },
          ...channel,
        },
      ],
    },
    'crop-demand-test.json',
  );
  let embedCalls = 0;
  const embed: EmbedFn = async (_model, crops) =>
    crops.map(() => {
      embedCalls++;
      return Float32Array.from([1, 0, 0, 0]); // always the same face: the identity settles
    });
  const classify: ClassifyFn = async (_model, crops) => crops.map(() => ({ age: 30, male: 0.99 }));
  const analysis = createFaceAnalysis(config, { embed, classify, runId: () => 1 });
  const input = new Subject<FrameResult>();
  input.pipe(analysis.stage(config.channels![0] as ChannelConfig)!).subscribe();
  return { analysis, input, embedCalls: () => embedCalls };
}

const crops = () => ({ embed: new ArrayBuffer(1), classify: new ArrayBuffer(1) });

describe('FaceAnalysis.cropDemand', () => {
  it('wants nothing without faces, both crops for a tentative track, and nothing once every face is done', async () => {
    const { analysis, input, embedCalls } = setup({});
    expect(analysis.cropDemand('cam')).toEqual({});

    const tentative = faceFrame('cam', 0, []);
    tentative.detections = [{ box: [0, 0, 100, 100], score: 0.8 }];
    tentative.tracking.tracks = [
      { id: 1, state: 'tentative', hits: 1, firstSeen: 0, detection: tentative.detections[0] } as Track,
    ];
    tentative.tracking.trackIds = [1];
    input.next(tentative);
    await settle();
    expect(analysis.cropDemand('cam')).toEqual({ embed: 0, classify: 0 });

    // Confirmed, first embedding of a 100 px face at score 0.9: later embed crops must beat 90 x 1.1.
    input.next(faceFrame('cam', 1, [{ track: 1, hits: 3, box: [0, 0, 100, 100], crops: crops() }]));
    await settle();
    expect(embedCalls()).toBe(1);
    expect(analysis.cropDemand('cam').embed).toBeCloseTo(100 * 0.9 * 1.1, 6);
    expect(analysis.cropDemand('cam').classify).toBe(0);

    // Growing faces until Re-ID (3 agreeing embeddings) and age/gender (5 steady samples) settle.
    for (let seq = 2; seq < 12; seq++) {
      const side = 100 + seq * 20;
      input.next(
        faceFrame('cam', seq, [{ track: 1, hits: seq + 2, box: [0, 0, side, side], crops: crops() }]),
      );
      await settle();
    }
    expect(embedCalls()).toBe(3);
    expect(analysis.cropDemand('cam')).toEqual({});

    // A second face appears: its track wants both again.
    input.next(
      faceFrame('cam', 12, [
        { track: 1, hits: 14, box: [0, 0, 340, 340], crops: crops() },
        { track: 2, hits: 3, box: [400, 0, 500, 100], crops: crops() },
      ]),
    );
    await settle();
    expect(analysis.cropDemand('cam')).toEqual({ embed: expect.any(Number), classify: 0 });
    expect(analysis.cropDemand('cam').embed).toBeCloseTo(100 * 0.9 * 1.1, 6);
    expect(analysis.cropDemand('other')).toEqual({});
  });

  it('keeps the demand of the last detected frame through predicted frames (detectEvery > 1)', async () => {
    const { analysis, input } = setup({ detectEvery: 2 });
    input.next(faceFrame('cam', 0, [{ track: 1, hits: 3, box: [0, 0, 100, 100], crops: crops() }]));
    await settle();
    const wanted = analysis.cropDemand('cam');
    expect(wanted).toEqual({ embed: expect.any(Number), classify: 0 });
    // The frame between detections: the track at its predicted box, no detection, no faces.
    const predicted = faceFrame('cam', 1, []);
    predicted.tracking.tracks = [{ id: 1, state: 'confirmed', hits: 3, firstSeen: 0 } as Track];
    predicted.predicted = true;
    input.next(predicted);
    await settle();
    expect(analysis.cropDemand('cam')).toEqual(wanted);
  });

  it('wants only what the visible faces could use: big, confident and better than their best enough', async () => {
    const { analysis, input } = setup({});
    input.next(faceFrame('cam', 0, [{ track: 1, hits: 3, box: [0, 0, 100, 100], crops: crops() }]));
    await settle();
    expect(analysis.cropDemand('cam').embed).toBeCloseTo(99, 6); // 100 x 0.9 x qualityGain 1.1
    // The face shrinks to quality 80 (< 0.9 x 99): no embed crop could be used, age/gender still wanted.
    input.next(
      faceFrame('cam', 1, [{ track: 1, hits: 4, box: [0, 0, 100, 100], score: 0.8, crops: crops() }]),
    );
    await settle();
    expect(analysis.cropDemand('cam')).toEqual({ classify: 0 });
    // Too small for either stage (minFaceSize 32): nothing.
    input.next(faceFrame('cam', 2, [{ track: 1, hits: 5, box: [0, 0, 20, 20], crops: crops() }]));
    await settle();
    expect(analysis.cropDemand('cam')).toEqual({});
    // Not seen in the last frame (missed): nothing either.
    const missed = faceFrame('cam', 3, []);
    missed.tracking.tracks = [{ id: 1, state: 'confirmed', hits: 5, firstSeen: 0 } as Track];
    input.next(missed);
    await settle();
    expect(analysis.cropDemand('cam')).toEqual({});
  });

  it('asks for the crops of a confirmed track that has had none yet', async () => {
    const { analysis, input } = setup({ demographics: { enabled: false } });
    const frame = faceFrame('cam', 0, [{ track: 7, hits: 3, crops: crops() }]);
    delete (frame.detections[0] as { crops?: unknown }).crops;
    input.next(frame);
    await settle();
    expect(analysis.cropDemand('cam')).toEqual({ embed: 0 });
  });

  it('keeps last_seen of a sighting current through frames without crops', async () => {
    const { analysis, input } = setup({ demographics: { enabled: false } });
    const lastSeen: number[] = [];
    analysis.sightingRows$.subscribe((row) => lastSeen.push(row.last_seen.getTime()));
    input.next(faceFrame('cam', 0, [{ track: 7, hits: 3, crops: crops() }]));
    await settle();
    for (let seq = 1; seq <= 5; seq++) {
      const frame = faceFrame('cam', seq, [{ track: 7, hits: 3 + seq, crops: crops() }]);
      delete (frame.detections[0] as { crops?: unknown }).crops;
      input.next(frame);
      await settle();
    }
    input.next(faceFrame('cam', 6, [], [{ track: 7, hits: 8 }]));
    await settle();
    expect(lastSeen.at(-1)).toBe(5); // faceFrame: capturedAt = seq
  });
});

describe('narrowCropRequest', () => {
  const request: CropRequest = { specs: { embed: { size: 4 }, classify: { size: 2 } }, minFaceSize: 16 };

  it('keeps the wanted specs with their least quality', () => {
    expect(narrowCropRequest(request, { classify: 0 })).toEqual({
      specs: { classify: { size: 2 } },
      minFaceSize: 16,
      minQuality: { classify: 0 },
    });
    expect(narrowCropRequest(request, { embed: 50, classify: 0 })?.minQuality).toEqual({
      embed: 50,
      classify: 0,
    });
  });

  it('is null when nothing is wanted', () => {
    expect(narrowCropRequest(request, {})).toBeNull();
  });
});

describe('attachCrops with minQuality', () => {
  it('cuts a spec only for faces whose quality reaches its minimum', () => {
    const frame = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(128) };
    const small: Detection = { box: [0, 0, 20, 20], score: 0.9 }; // quality 18
    const large: Detection = { box: [20, 20, 60, 60], score: 0.9 }; // quality 36
    expect([faceQuality(small), faceQuality(large)]).toEqual([18, 36]);
    const [a, b] = attachCrops(frame, [small, large], {
      specs: { embed: { size: 4 }, classify: { size: 2 } },
      minFaceSize: 8,
      minQuality: { embed: 30, classify: 0 },
    });
    expect(Object.keys(a.crops ?? {})).toEqual(['classify']);
    expect(Object.keys(b.crops ?? {}).sort()).toEqual(['classify', 'embed']);
    expect(b.crops!.embed.byteLength).toBe(4 * 4 * 3);

    const [c] = attachCrops(frame, [{ box: [0, 0, 20, 20], score: 0.9 }], {
      specs: { embed: { size: 4 } },
      minQuality: { embed: 30 },
      minFaceSize: 8,
    });
    expect(c.crops).toBeUndefined();
  });
});
