/**
 * @jest-environment ./test/fixtures/onnx/ort-environment.ts
 *
 * The compiled detect worker (dist/workers/detect.js, build first) run through the pool wrapper.
 */
import { existsSync } from 'node:fs';
import { detectorKey, type FaceDetector } from '../../../src/kernels/detectors';
import { createDetector } from '../../../src/kernels/detectors/open';
import { iou } from '../../../src/kernels/frame';
import { createPool, toTransferable, type WorkerPool } from '../../../src/pools';
import { workerPath } from '../../../src/util/paths';
import type { DetectApi } from '../../../workers/detect';
import { plainFrame, sampleImage, sampleVideoFrame } from './images';

const megamind = sampleVideoFrame('Megamind.avi', 60);
const messi = sampleImage('messi5.jpg');
// Haar is left out on purpose: it loads OpenCV, which this test process already uses in its main thread
// (to read the sample frames), and OpenCV works in only one thread per process.
const backLowKey = detectorKey({ type: 'blazeface', variant: 'back', scoreThreshold: 0.6 });

let pool: WorkerPool<DetectApi>;
let local: FaceDetector;

beforeAll(async () => {
  if (!existsSync(workerPath('detect')))
    throw new Error(`${workerPath('detect')} missing: run npm run build first`);
  pool = createPool<DetectApi>({
    name: 'detect-test',
    worker: workerPath('detect'),
    size: 1,
    taskTimeoutMs: 30_000,
    initArgs: [
      {
        detectors: {
          front: { type: 'blazeface', variant: 'front' },
          back: { type: 'blazeface', variant: 'back' },
        },
        preload: ['front'],
      },
    ],
  });
  await pool.ready();
  local = await createDetector({ type: 'blazeface', variant: 'front' });
});

afterAll(async () => {
  await pool?.terminate();
  await local?.dispose();
});

describe('detect worker', () => {
  it('gives the same detections as the in-process detector, with the frame transferred', async () => {
    const expected = await local.detect(megamind);
    const copy = new Uint8Array(megamind.data);
    const faces = await pool.run('detect', ['front', megamind.width, megamind.height, toTransferable(copy)], {
      transfer: [copy.buffer as ArrayBuffer],
      identity: 'cam1#frame60',
    });
    expect(faces).toHaveLength(expected.length);
    expect(iou(faces[0].box, expected[0].box)).toBeGreaterThan(0.999);
    expect(faces[0].score).toBeCloseTo(expected[0].score, 5);
  });

  it('runs a batch of frames from several channels and detectors in one call', async () => {
    const blank = plainFrame(320, 240, [50, 50, 50]);
    const results = await pool.run('detectBatch', [
      [
        { detectorKey: 'front', width: megamind.width, height: megamind.height, data: megamind.data },
        { detectorKey: 'back', width: messi.width, height: messi.height, data: messi.data },
        { detectorKey: backLowKey, width: megamind.width, height: megamind.height, data: megamind.data },
        { detectorKey: 'front', width: blank.width, height: blank.height, data: blank.data },
      ],
    ]);
    expect(results).toHaveLength(4);
    expect(results[0].length).toBeGreaterThan(0);
    expect(results[1].length).toBeGreaterThan(0);
    // A detector named only by its detectorKey() was opened lazily and finds the same face.
    expect(results[2].some((d) => iou(d.box, results[0][0].box) > 0.5)).toBe(true);
    expect(results[3]).toEqual([]);
    const open = await pool.run('openDetectors', []);
    expect(open).toEqual(expect.arrayContaining(['front', 'back', backLowKey]));
  });

  it('fails only the task for an unknown detector, naming it', async () => {
    await expect(
      pool.run('detect', ['nope', 2, 2, new Uint8Array(12)], { identity: 'cam9#frame1' }),
    ).rejects.toMatchObject({
      name: 'TaskError',
      kind: 'failed',
      identity: 'cam9#frame1',
      message: expect.stringContaining('unknown detector "nope"'),
    });
    // The worker survives and keeps serving.
    const faces = await pool.run('detect', ['front', megamind.width, megamind.height, megamind.data]);
    expect(faces.length).toBeGreaterThan(0);
  });
});
