import { letterboxGeometry, toSource } from '../../../src/kernels/detectors/letterbox';
import { axisTaps, letterbox } from '../../../src/kernels/detectors/resample';
import { toTensorData } from '../../../src/kernels/detectors/tensor';
import { loadOpenCV } from '../../../src/util/opencv';
import { sampleVideoFrame } from './images';

describe('axisTaps', () => {
  it('weights sum to 1 for shrinking and enlarging', () => {
    for (const [src, dst] of [
      [720, 128],
      [528, 97],
      [100, 100],
      [64, 300],
      [3, 2],
    ]) {
      const t = axisTaps(0, src, dst);
      for (let i = 0; i < dst; i++) {
        let sum = 0;
        for (let k = 0; k < t.count[i]; k++) sum += t.weights[i * t.stride + k];
        expect(sum).toBeCloseTo(1, 5);
        expect(t.start[i]).toBeGreaterThanOrEqual(0);
        expect(t.start[i] + t.count[i]).toBeLessThanOrEqual(src);
      }
    }
  });
});

describe('letterbox', () => {
  it('centres a wide image with black bars and averages 2x2 blocks when halving', () => {
    // 4x2 image, shrunk into 2x2: scale 0.5 -> 2x1 content, one black row split as 0 above / 1 below.
    const data = new Uint8Array([
      ...[10, 20, 30],
      ...[30, 40, 50],
      ...[100, 100, 100],
      ...[200, 200, 200],
      ...[50, 60, 70],
      ...[70, 80, 90],
      ...[0, 0, 0],
      ...[100, 100, 100],
    ]);
    const out = letterbox({ width: 4, height: 2, data }, 2, 2);
    expect(out?.transform).toEqual({ scale: 0.5, padX: 0, padY: 0, offsetX: 0, offsetY: 0 });
    expect(Array.from(out?.bgr ?? [])).toEqual([40, 50, 60, 100, 100, 100, 0, 0, 0, 0, 0, 0]);
  });

  it('maps input pixels back to the source through pad, scale and ROI offset', () => {
    const g = letterboxGeometry(640, 480, 128, 128, 'center');
    expect(g).toEqual({ scale: 0.2, resizedW: 128, resizedH: 96, padX: 0, padY: 16 });
    expect(toSource({ scale: 0.2, padX: 0, padY: 16, offsetX: 100, offsetY: 50 }, 64, 64)).toEqual([
      420, 290,
    ]);
  });

  it('matches OpenCV INTER_AREA closely on a real frame', () => {
    const cv = loadOpenCV();
    const frame = sampleVideoFrame('Megamind.avi', 60);
    const ours = letterbox(frame, 180, 132); // exactly 1/4 in both directions
    const mat = new cv.Mat(Buffer.from(frame.data), frame.height, frame.width, cv.CV_8UC3);
    const theirs = mat.resize(132, 180, 0, 0, cv.INTER_AREA).getData();
    let maxDiff = 0;
    for (let i = 0; i < theirs.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs((ours?.bgr[i] ?? 0) - theirs[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
  });

  it('returns undefined for an ROI outside the frame', () => {
    expect(
      letterbox({ width: 4, height: 4, data: new Uint8Array(48) }, 2, 2, { roi: [10, 10, 5, 5] }),
    ).toBeUndefined();
  });
});

describe('toTensorData', () => {
  it('swaps BGR to RGB, scales and lays out NHWC and NCHW', () => {
    const bgr = new Uint8Array([0, 127.5, 255, 255, 0, 0]);
    const nhwc = toTensorData(bgr, 2, 1, { layout: 'nhwc', channels: 'rgb', scale: 1 / 127.5, offset: -1 });
    expect(Array.from(nhwc)).toEqual([1, expect.closeTo(-0.0039, 3), -1, -1, -1, 1]);
    const nchw = toTensorData(bgr, 2, 1, { layout: 'nchw', channels: 'bgr', scale: 1, offset: 0 });
    expect(Array.from(nchw)).toEqual([0, 255, 127, 0, 255, 0]);
  });
});
