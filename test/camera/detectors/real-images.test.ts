/**
 * @jest-environment ./test/fixtures/onnx/ort-environment.ts
 *
 * BlazeFace and the Haar cascade on real pictures (messi5.jpg, a Megamind.avi frame from Debian
 * opencv-doc; assets from `pipeline assets fetch`).
 */
import type { FaceDetector } from '../../../src/kernels/detectors';
import { createDetector } from '../../../src/kernels/detectors/open';
import { iou, type Detection, type FrameImage } from '../../../src/kernels/frame';
import { paintRect, plainFrame, resizeFrame, sampleImage, sampleVideoFrame } from './images';

let front: FaceDetector;
let back: FaceDetector;
let haar: FaceDetector;
let messi: FrameImage;
let megamind: FrameImage;

beforeAll(async () => {
  front = await createDetector({ type: 'blazeface', variant: 'front' });
  back = await createDetector({ type: 'blazeface', variant: 'back' });
  haar = await createDetector({ type: 'haar' });
  messi = sampleImage('messi5.jpg');
  megamind = sampleVideoFrame('Megamind.avi', 60);
});

afterAll(async () => {
  await Promise.all([front?.dispose(), back?.dispose(), haar?.dispose()]);
});

function bestMatch(d: Detection, others: Detection[]): number {
  return Math.max(0, ...others.map((o) => iou(d.box, o.box)));
}

function width(d: Detection): number {
  return d.box[2] - d.box[0];
}

describe('BlazeFace against Haar on real faces', () => {
  it('front-128 finds the face in a Megamind frame where Haar finds it (IoU > 0.3)', async () => {
    const faces = await front.detect(megamind);
    const cascade = await haar.detect(megamind);
    expect(faces.length).toBeGreaterThan(0);
    expect(cascade.length).toBeGreaterThan(0);
    expect(faces[0].score).toBeGreaterThan(0.8);
    expect(bestMatch(faces[0], cascade)).toBeGreaterThan(0.3);
    expect(faces[0].landmarks).toHaveLength(6);
    // Landmarks (eyes, nose, mouth, ears) lie in or near the box.
    for (const [x, y] of faces[0].landmarks ?? []) {
      expect(x).toBeGreaterThan(faces[0].box[0] - width(faces[0]) * 0.3);
      expect(x).toBeLessThan(faces[0].box[2] + width(faces[0]) * 0.3);
      expect(y).toBeGreaterThan(faces[0].box[1] - width(faces[0]) * 0.3);
      expect(y).toBeLessThan(faces[0].box[3] + width(faces[0]) * 0.3);
    }
  });

  it('back-256 finds the small face in messi5.jpg where Haar finds it (IoU > 0.3)', async () => {
    const faces = await back.detect(messi);
    const cascade = await haar.detect(messi);
    expect(faces.length).toBeGreaterThan(0);
    expect(faces[0].score).toBeGreaterThan(0.7);
    expect(bestMatch(faces[0], cascade)).toBeGreaterThan(0.3);
  });

  it('back-256 agrees with front-128 on the Megamind face', async () => {
    const [f] = await front.detect(megamind);
    const [b] = await back.detect(megamind);
    expect(iou(f.box, b.box)).toBeGreaterThan(0.5);
  });

  it('finds no face in plain colour images', async () => {
    for (const colour of [
      [0, 0, 0],
      [255, 255, 255],
      [40, 120, 200],
    ] as Array<[number, number, number]>) {
      const frame = plainFrame(640, 480, colour);
      expect(await front.detect(frame)).toEqual([]);
      expect(await back.detect(frame)).toEqual([]);
      expect(await haar.detect(frame)).toEqual([]);
    }
  });

  it('finds nothing once the face is painted over', async () => {
    const [face] = await front.detect(megamind);
    const [x1, y1, x2, y2] = face.box.map(Math.round);
    const hidden = paintRect(megamind, x1 - 40, y1 - 60, x2 - x1 + 80, y2 - y1 + 100);
    const faces = await front.detect(hidden);
    expect(faces.every((d) => iou(d.box, face.box) < 0.1)).toBe(true);
  });
});

describe('box geometry', () => {
  it('scales boxes with the image: half-size frame gives a half-size box', async () => {
    const [full] = await front.detect(megamind);
    const half = resizeFrame(megamind, megamind.width / 2, megamind.height / 2);
    const [small] = await front.detect(half);
    const scaledBack = small.box.map((v) => v * 2) as Detection['box'];
    expect(iou(full.box, scaledBack)).toBeGreaterThan(0.85);
    expect(width(small) * 2).toBeGreaterThan(width(full) * 0.9);
    expect(width(small) * 2).toBeLessThan(width(full) * 1.1);
  });

  it('maps boxes back from a letterboxed frame of another aspect ratio', async () => {
    // Stretch the frame horizontally: the face box must stretch with it.
    const wide = resizeFrame(megamind, megamind.width * 2, megamind.height);
    const [full] = await back.detect(megamind);
    const faces = await back.detect(wide);
    const match = faces.find(
      (d) => iou(d.box, [full.box[0] * 2, full.box[1], full.box[2] * 2, full.box[3]]) > 0.5,
    );
    expect(match).toBeDefined();
  });

  it('ROI: detects inside it, in frame coordinates, and nothing outside it', async () => {
    const [face] = await front.detect(megamind);
    const cx = (face.box[0] + face.box[2]) / 2;
    const cy = (face.box[1] + face.box[3]) / 2;
    const around = await createDetector({ type: 'blazeface', roi: [cx - 150, cy - 150, 300, 300] });
    const inside = await around.detect(megamind);
    expect(inside.length).toBeGreaterThan(0);
    expect(iou(inside[0].box, face.box)).toBeGreaterThan(0.7);
    await around.dispose();

    // An ROI to the right of the face: the face must not be reported, every box lies inside the ROI.
    const roiX = Math.ceil(face.box[2]) + 10;
    const elsewhere = await createDetector({
      type: 'blazeface',
      roi: [roiX, 0, megamind.width - roiX, megamind.height],
    });
    const outside = await elsewhere.detect(megamind);
    expect(outside.every((d) => iou(d.box, face.box) === 0 && d.box[0] >= roiX)).toBe(true);
    await elsewhere.dispose();
  });

  it('ROI outside the frame gives no detections', async () => {
    const off = await createDetector({ type: 'blazeface', roi: [5000, 5000, 100, 100] });
    expect(await off.detect(megamind)).toEqual([]);
    await off.dispose();
  });

  it('minFaceSize drops faces smaller than it and keeps larger ones', async () => {
    const [face] = await front.detect(megamind);
    const side = Math.min(width(face), face.box[3] - face.box[1]);
    // The same model as the face measured (the default is now the back model, whose box differs).
    const variant = 'front';
    const keeps = await createDetector({ type: 'blazeface', variant, minFaceSize: Math.floor(side) - 1 });
    const drops = await createDetector({ type: 'blazeface', variant, minFaceSize: Math.ceil(side) + 1 });
    expect((await keeps.detect(megamind)).some((d) => iou(d.box, face.box) > 0.9)).toBe(true);
    expect((await drops.detect(megamind)).some((d) => iou(d.box, face.box) > 0.5)).toBe(false);
    await Promise.all([keeps.dispose(), drops.dispose()]);
  });

  it('Haar honours minFaceSize and ROI too', async () => {
    const all = await haar.detect(megamind);
    expect(all.length).toBeGreaterThan(0);
    // The Megamind frame has a large face (about 190 px) and a small one in the background (about 80 px).
    // A cascade with a minimum size may still find the small face as a larger box (the pyramid starts
    // higher), so the cut is set well above it: only the large face remains.
    expect(all.length).toBe(2);
    const [small, large] = [...all].sort((a, b) => width(a) - width(b));
    const minFaceSize = Math.round(width(large) * 0.8);
    const big = await createDetector({ type: 'haar', minFaceSize });
    const bigOnly = await big.detect(megamind);
    expect(bigOnly.length).toBe(1);
    expect(width(bigOnly[0])).toBeGreaterThanOrEqual(minFaceSize);
    expect(iou(bigOnly[0].box, large.box)).toBeGreaterThan(0.8);
    expect(iou(bigOnly[0].box, small.box)).toBe(0);
    const first = large;
    const roi: [number, number, number, number] = [
      first.box[0] - 40,
      first.box[1] - 40,
      width(first) + 80,
      width(first) + 80,
    ];
    const inRoi = await createDetector({ type: 'haar', roi });
    const found = await inRoi.detect(megamind);
    expect(found.some((d) => iou(d.box, first.box) > 0.7)).toBe(true);
    expect(found.every((d) => d.box[0] >= roi[0] && d.box[2] <= roi[0] + roi[2])).toBe(true);
  });

  it('maxFaces keeps only the highest-scoring faces', async () => {
    const low = await createDetector({ type: 'blazeface', variant: 'back', scoreThreshold: 0.3 });
    const many = await low.detect(messi);
    expect(many.length).toBeGreaterThan(1);
    const one = await createDetector({
      type: 'blazeface',
      variant: 'back',
      scoreThreshold: 0.3,
      maxFaces: 1,
    });
    const [only, ...rest] = await one.detect(messi);
    expect(rest).toEqual([]);
    expect(only.score).toBeCloseTo(many[0].score);
    await Promise.all([low.dispose(), one.dispose()]);
  });

  it('rejects a frame whose buffer does not match its size, naming the sizes', async () => {
    await expect(front.detect({ width: 10, height: 10, data: new Uint8Array(10) })).rejects.toThrow(
      /10 bytes, expected 300/,
    );
  });
});
