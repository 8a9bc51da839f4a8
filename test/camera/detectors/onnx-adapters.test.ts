/**
 * @jest-environment ./test/fixtures/onnx/ort-environment.ts
 *
 * YuNet and SCRFD adapters on crafted ONNX models whose outputs plant faces at known anchors: the decoded
 * boxes must land where the planted regressions say, after the letterbox mapping back to the frame.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDetector } from '../../../src/kernels/detectors/open';
import type { Detection } from '../../../src/kernels/frame';
import { buildScrfdModel, buildYuNetModel } from '../../fixtures/onnx/face-models';
import { plainFrame } from './images';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rxvision-onnx-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeModel(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

function expectBox(d: Detection, expected: [number, number, number, number]): void {
  d.box.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 3));
}

describe('YuNet adapter', () => {
  // Input 320x320. Plants (input pixels):
  //  A stride 16, cell (10, 5), bbox (0.5, 0.5, ln 4, ln 4): centre (168, 88), 64x64 -> [136, 56, 200, 120]
  //  B stride 32, cell (2, 3), bbox (0, 0, 0, 0): centre (64, 96), 32x32 -> [48, 80, 80, 112]
  //  C stride 8, cell (21, 11), bbox (0, 0, ln 8, ln 8): the same box as A, lower score -> suppressed by NMS
  //  D stride 8, cell (2, 2): score 0.5, under YuNet's default threshold 0.9
  const model = () =>
    buildYuNetModel(320, 320, [
      {
        stride: 16,
        col: 10,
        row: 5,
        score: 0.95,
        bbox: [0.5, 0.5, Math.log(4), Math.log(4)],
        kps: [1, 2, 0, 0, 0, 0, 0, 0, 0, 0],
      },
      { stride: 32, col: 2, row: 3, score: 0.92, bbox: [0, 0, 0, 0] },
      { stride: 8, col: 21, row: 11, score: 0.91, bbox: [0, 0, Math.log(8), Math.log(8)] },
      { stride: 8, col: 2, row: 2, score: 0.5, bbox: [0, 0, 1, 1] },
    ]);

  it('decodes planted faces and maps them back through the letterbox scale', async () => {
    const detector = await createDetector({ type: 'yunet', modelPath: writeModel('yunet.onnx', model()) });
    expect(detector.inputSize).toEqual({ width: 320, height: 320 });
    // 640x480 frame -> scale 0.5, placed top-left: source = input / 0.5.
    const faces = await detector.detect(plainFrame(640, 480, [90, 90, 90]));
    expect(faces.map((f) => f.score)).toEqual([expect.closeTo(0.95, 5), expect.closeTo(0.92, 5)]);
    expectBox(faces[0], [272, 112, 400, 240]);
    expectBox(faces[1], [96, 160, 160, 224]);
    // Keypoint 0 at ((1 + 10) * 16, (2 + 5) * 16) = (176, 112) in input pixels.
    expect(faces[0].landmarks?.[0][0]).toBeCloseTo(352);
    expect(faces[0].landmarks?.[0][1]).toBeCloseTo(224);
    expect(faces[0].landmarks).toHaveLength(5);
    await detector.dispose();
  });

  it('honours scoreThreshold and ROI offsets', async () => {
    const file = writeModel('yunet-roi.onnx', model());
    const low = await createDetector({ type: 'yunet', modelPath: file, scoreThreshold: 0.4 });
    expect(await low.detect(plainFrame(320, 320, [0, 0, 0]))).toHaveLength(3);
    // ROI 320x320 at (100, 50): scale 1, boxes shifted by the ROI origin.
    const roi = await createDetector({ type: 'yunet', modelPath: file, roi: [100, 50, 320, 320] });
    const faces = await roi.detect(plainFrame(640, 480, [0, 0, 0]));
    expectBox(faces[0], [236, 106, 300, 170]);
    expectBox(faces[1], [148, 130, 180, 162]);
    await Promise.all([low.dispose(), roi.dispose()]);
  });

  it('rejects a model without the YuNet outputs, naming the file and the missing outputs', async () => {
    const file = writeModel('not-yunet.onnx', buildScrfdModel(320, 320, []));
    await expect(createDetector({ type: 'yunet', modelPath: file })).rejects.toThrow(
      /not-yunet\.onnx.*cls_8/,
    );
  });
});

describe('SCRFD adapter', () => {
  // Input 320x320, 2 anchors per cell. Plants (input pixels):
  //  A stride 8, cell (4, 3), anchor 1, dist (2, 1, 2, 3): centre (32, 24) -> [16, 16, 48, 48]
  //  B stride 32, cell (5, 2), anchor 0, dist (1, 1, 1, 1): centre (160, 64) -> [128, 32, 192, 96]
  //  C stride 16: score 0.3, under the default threshold 0.5
  const plants = [
    {
      stride: 8 as const,
      col: 4,
      row: 3,
      anchor: 1,
      score: 0.8,
      dist: [2, 1, 2, 3] as [number, number, number, number],
      kps: [0.5, -0.5, 0, 0, 0, 0, 0, 0, 0, 0],
    },
    {
      stride: 32 as const,
      col: 5,
      row: 2,
      anchor: 0,
      score: 0.6,
      dist: [1, 1, 1, 1] as [number, number, number, number],
    },
    {
      stride: 16 as const,
      col: 1,
      row: 1,
      anchor: 0,
      score: 0.3,
      dist: [1, 1, 1, 1] as [number, number, number, number],
    },
  ];

  it('finds strides by output shape and decodes distance-encoded boxes', async () => {
    const detector = await createDetector({
      type: 'scrfd',
      modelPath: writeModel('scrfd.onnx', buildScrfdModel(320, 320, plants)),
    });
    const faces = await detector.detect(plainFrame(640, 480, [10, 20, 30]));
    expect(faces).toHaveLength(2);
    expect(faces[0].score).toBeCloseTo(0.8);
    expectBox(faces[0], [32, 32, 96, 96]);
    expectBox(faces[1], [256, 64, 384, 192]);
    expect(faces[0].landmarks?.[0][0]).toBeCloseTo(72);
    expect(faces[0].landmarks?.[0][1]).toBeCloseTo(40);
    await detector.dispose();
  });

  it('works with a dynamic-shape export when given an input size', async () => {
    const file = writeModel('scrfd-dynamic.onnx', buildScrfdModel(320, 320, plants, { dynamic: true }));
    const detector = await createDetector({
      type: 'scrfd',
      modelPath: file,
      inputSize: { width: 320, height: 320 },
    });
    const faces = await detector.detect(plainFrame(320, 320, [0, 0, 0]));
    expectBox(faces[0], [16, 16, 48, 48]);
    expectBox(faces[1], [128, 32, 192, 96]);
    await detector.dispose();
  });

  it('supports one anchor per cell (anchors counted from the output rows)', async () => {
    const file = writeModel(
      'scrfd-1a.onnx',
      buildScrfdModel(320, 320, [{ ...plants[0], anchor: 0 }], { anchorsPerCell: 1 }),
    );
    const detector = await createDetector({ type: 'scrfd', modelPath: file });
    const faces = await detector.detect(plainFrame(320, 320, [0, 0, 0]));
    expect(faces).toHaveLength(1);
    expectBox(faces[0], [16, 16, 48, 48]);
    await detector.dispose();
  });

  it('rejects a model that is not SCRFD-shaped, naming the file', async () => {
    const file = writeModel('yunet-as-scrfd.onnx', buildYuNetModel(320, 320, []));
    await expect(createDetector({ type: 'scrfd', modelPath: file })).rejects.toThrow(/yunet-as-scrfd\.onnx/);
  });

  it('requires a model path', async () => {
    await expect(createDetector({ type: 'scrfd' } as never)).rejects.toThrow(/modelPath/);
    await expect(createDetector({ type: 'mtcnn' } as never)).rejects.toThrow(/unknown detector "mtcnn"/);
  });
});
