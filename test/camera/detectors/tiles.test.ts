/**
 * @jest-environment ./test/fixtures/onnx/ort-environment.ts
 *
 * Tiled detection: the tile grid, merging across tiles (a fake detector that finds white squares), and
 * BlazeFace back on a 1080p frame with a small pasted face (Megamind.avi from Debian opencv-doc).
 */
import { tileGrid } from '../../../src/kernels/detectors';
import { createDetector } from '../../../src/kernels/detectors/open';
import { createTiledDetector } from '../../../src/kernels/detectors/tiles';
import type { DetectorSpec, FaceDetector } from '../../../src/kernels/detectors';
import { iou, type Detection, type DetectorFrame, type FrameImage } from '../../../src/kernels/frame';
import { pasteFace, scaleFrame } from '../../../bench/lib/paste';
import { plainFrame, sampleVideoFrame } from './images';

/** Finds the white (255) pixels' bounding box, if any, like a detector that sees one face. */
function whiteBlobDetector(calls: Array<[number, number]>): FaceDetector {
  return {
    name: 'blob',
    inputSize: { width: 0, height: 0 },
    async detect(frame: DetectorFrame): Promise<Detection[]> {
      const { width, height, data } = frame as FrameImage;
      calls.push([width, height]);
      let [x1, y1, x2, y2] = [Infinity, Infinity, -1, -1];
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++)
          if (data[(y * width + x) * 3] === 255) {
            x1 = Math.min(x1, x);
            y1 = Math.min(y1, y);
            x2 = Math.max(x2, x + 1);
            y2 = Math.max(y2, y + 1);
          }
      return x2 < 0 ? [] : [{ box: [x1, y1, x2, y2], score: 0.9, landmarks: [[x1, y1]] }];
    },
    dispose: async () => undefined,
  };
}

function whiteSquare(frame: FrameImage, x: number, y: number, side: number): FrameImage {
  const data = new Uint8Array(frame.data);
  for (let row = y; row < y + side; row++)
    data.fill(255, (row * frame.width + x) * 3, (row * frame.width + x + side) * 3);
  return { ...frame, data };
}

describe('tileGrid', () => {
  it('covers 1920x1080 with 512 px tiles overlapping by at least a quarter, edge to edge', () => {
    const tiles = tileGrid([0, 0, 1920, 1080], { size: 512, overlap: 0.25 });
    const xs = [...new Set(tiles.map((t) => t[0]))];
    const ys = [...new Set(tiles.map((t) => t[1]))];
    expect(xs).toHaveLength(5);
    expect(ys).toHaveLength(3);
    expect(xs[0]).toBe(0);
    expect(xs[xs.length - 1] + 512).toBe(1920);
    expect(ys[ys.length - 1] + 512).toBe(1080);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1] + 512 - xs[i]).toBeGreaterThanOrEqual(128);
    for (const t of tiles) expect(t.slice(2)).toEqual([512, 512]);
  });

  it('gives one tile (clipped) for a region smaller than a tile, offset by the region', () => {
    expect(tileGrid([100, 50, 300, 200], { size: 512 })).toEqual([[100, 50, 300, 200]]);
  });

  it('refuses a bad size or overlap, naming the field', () => {
    expect(() => tileGrid([0, 0, 100, 100], { size: 8 })).toThrow(/tiles: size/);
    expect(() => tileGrid([0, 0, 100, 100], { overlap: 1 })).toThrow(/tiles: overlap/);
  });
});

describe('tiled detector', () => {
  const spec = { type: 'haar', tiles: { size: 512, overlap: 0.25 } } as DetectorSpec & { tiles: object };

  it('reports a face lying across a tile border once, in frame pixels, from the tile that holds it whole', async () => {
    const calls: Array<[number, number]> = [];
    const tiled = await createTiledDetector(spec, async () => whiteBlobDetector(calls));
    // x 500..540 crosses the first tile's right edge (512); the second tile (from 352) holds it whole.
    const frame = whiteSquare(plainFrame(1920, 1080, [0, 0, 0]), 500, 300, 40);
    const found = await tiled.detect(frame);
    expect(found).toEqual([{ box: [500, 300, 540, 340], score: 0.9, landmarks: [[500, 300]] }]);
    // 15 tiles + one whole-frame pass, all in this one call.
    expect(calls).toHaveLength(16);
    expect(calls[0]).toEqual([1920, 1080]);
  });

  it('applies the ROI, minFaceSize and maxFaces to the merged result', async () => {
    const roiSpec = { ...spec, roi: [1000, 0, 920, 1080], minFaceSize: 30 } as typeof spec;
    const tiled = await createTiledDetector(roiSpec, async () => whiteBlobDetector([]));
    const outside = whiteSquare(plainFrame(1920, 1080, [0, 0, 0]), 100, 100, 40);
    expect(await tiled.detect(outside)).toEqual([]);
    const small = whiteSquare(plainFrame(1920, 1080, [0, 0, 0]), 1500, 100, 20);
    expect(await tiled.detect(small)).toEqual([]);
    const inside = whiteSquare(plainFrame(1920, 1080, [0, 0, 0]), 1500, 100, 40);
    expect((await tiled.detect(inside)).map((d) => d.box)).toEqual([[1500, 100, 1540, 140]]);
  });

  it('needs full frames (no input layout for the decoder)', async () => {
    const tiled = await createTiledDetector(spec, async () => whiteBlobDetector([]));
    expect(tiled.inputLayout).toBeUndefined();
    await expect(
      tiled.detect({
        width: 10,
        height: 10,
        resized: { width: 8, height: 8, align: 'center', data: new Uint8Array(192) },
      }),
    ).rejects.toThrow(/tiles need the full frame/);
  });
});

describe('BlazeFace back with tiles on 1080p', () => {
  let plain: FaceDetector;
  let tiled: FaceDetector;
  let frame: FrameImage;
  let truth: [number, number, number, number];

  beforeAll(async () => {
    plain = await createDetector({ type: 'blazeface', variant: 'back' });
    tiled = await createDetector({ type: 'blazeface', variant: 'back', tiles: {} });
    const megamind = sampleVideoFrame('Megamind.avi', 60);
    const [face] = await plain.detect(megamind);
    const [x1, y1, x2, y2] = face.box.map(Math.round);
    // Paste the face with some margin (a detector needs the head around it) at 32 px face width.
    const margin = Math.round((x2 - x1) * 0.25);
    const region: [number, number, number, number] = [
      x1 - margin,
      y1 - margin,
      x2 - x1 + 2 * margin,
      y2 - y1 + 2 * margin,
    ];
    const background = scaleFrame(sampleVideoFrame('vtest.avi', 10), 1920, 1080);
    const side = Math.round(32 * (region[2] / (x2 - x1)));
    const pasted = pasteFace(background, megamind, region, side, 900, 400);
    frame = pasted.frame;
    const k = side / region[2];
    truth = [900 + margin * k, 400 + margin * k, 900 + (margin + x2 - x1) * k, 400 + (margin + y2 - y1) * k];
  });

  afterAll(async () => {
    await Promise.all([plain?.dispose(), tiled?.dispose()]);
  });

  it('finds a 32 px face that the whole-frame pass misses', async () => {
    const without = await plain.detect(frame);
    const withTiles = await tiled.detect(frame);
    expect(without.some((d) => iou(d.box, truth) > 0.4)).toBe(false);
    expect(withTiles.some((d) => iou(d.box, truth) > 0.4)).toBe(true);
    expect(tiled.name).toBe('blazeface-back+tiles512');
  });
});
