/**
 * The first letterbox implementation (before the packed-lane rewrite of preprocess.ts), kept as the
 * baseline of the preprocessing benchmark: float taps rebuilt per call, horizontal pass first, one
 * intermediate float image per call.
 */
import type { FrameImage } from '../../src/kernels/frame';
import type { Roi } from '../../src/kernels/detectors/types';
import { clipRoi, letterboxGeometry, type LetterboxAlign } from '../../src/kernels/detectors/letterbox';
import type { LetterboxedInput } from '../../src/kernels/detectors/resample';

/** Separable resampling taps for one axis: output i reads `count[i]` source pixels from `start[i]`. */
interface AxisTaps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  stride: number;
}

/**
 * Taps mapping `srcLen` pixels (from `srcOrigin`) onto `dstLen`: exact area coverage when shrinking (as
 * OpenCV's INTER_AREA; no aliasing), bilinear with edge clamping when enlarging. Weights sum to 1.
 */
function axisTaps(srcOrigin: number, srcLen: number, dstLen: number): AxisTaps {
  const scale = dstLen / srcLen;
  const stride = scale < 1 ? Math.ceil(1 / scale) + 2 : 2;
  const start = new Int32Array(dstLen);
  const count = new Int32Array(dstLen);
  const weights = new Float32Array(dstLen * stride);
  for (let i = 0; i < dstLen; i++) {
    if (scale < 1) {
      const a = i / scale;
      const b = Math.min(srcLen, (i + 1) / scale);
      const first = Math.floor(a);
      const last = Math.min(srcLen - 1, Math.ceil(b) - 1);
      start[i] = srcOrigin + first;
      count[i] = last - first + 1;
      for (let k = first; k <= last; k++) {
        weights[i * stride + k - first] = (Math.min(b, k + 1) - Math.max(a, k)) * scale;
      }
    } else {
      const centre = Math.min(srcLen - 1, Math.max(0, (i + 0.5) / scale - 0.5));
      const x0 = Math.min(srcLen - 1, Math.floor(centre));
      const frac = centre - x0;
      start[i] = srcOrigin + x0;
      count[i] = x0 + 1 < srcLen ? 2 : 1;
      weights[i * stride] = count[i] === 2 ? 1 - frac : 1;
      weights[i * stride + 1] = count[i] === 2 ? frac : 0;
    }
  }
  return { start, count, weights, stride };
}

/**
 * Resizes the region [rx, ry, rw, rh] of a BGR24 image to dstW x dstH and writes it into `out` (an outW
 * wide BGR24 buffer) at (padX, padY). Separable: a horizontal pass into floats, then a vertical pass.
 */
function resizeInto(
  image: FrameImage,
  region: Roi,
  dstW: number,
  dstH: number,
  out: Uint8Array,
  outW: number,
  padX: number,
  padY: number,
): void {
  const [rx, ry, rw, rh] = region;
  const xt = axisTaps(rx, rw, dstW);
  const yt = axisTaps(ry, rh, dstH);
  const src = image.data;
  const srcRow = image.width * 3;
  // Horizontal pass over the rows of the region only.
  const tmp = new Float32Array(rh * dstW * 3);
  for (let y = 0; y < rh; y++) {
    const rowBase = (ry + y) * srcRow;
    const tmpBase = y * dstW * 3;
    for (let x = 0; x < dstW; x++) {
      let b = 0;
      let g = 0;
      let r = 0;
      const w0 = x * xt.stride;
      let p = rowBase + xt.start[x] * 3;
      for (let k = 0; k < xt.count[x]; k++, p += 3) {
        const w = xt.weights[w0 + k];
        b += src[p] * w;
        g += src[p + 1] * w;
        r += src[p + 2] * w;
      }
      const t = tmpBase + x * 3;
      tmp[t] = b;
      tmp[t + 1] = g;
      tmp[t + 2] = r;
    }
  }
  for (let y = 0; y < dstH; y++) {
    const w0 = y * yt.stride;
    const firstRow = yt.start[y] - ry;
    const outBase = ((padY + y) * outW + padX) * 3;
    for (let x = 0; x < dstW * 3; x++) {
      let v = 0;
      for (let k = 0; k < yt.count[y]; k++) v += tmp[(firstRow + k) * dstW * 3 + x] * yt.weights[w0 + k];
      out[outBase + x] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
}

/**
 * Crops the ROI out of the frame and letterboxes it into inW x inH (area averaging when shrinking,
 * bilinear when enlarging; black padding). Returns undefined when the ROI misses the frame.
 *
 * Plain TypeScript rather than OpenCV on purpose: @u4/opencv4nodejs (a Nan addon, not context-aware)
 * works in only one thread per process; a second thread loading it crashes the process or gets a broken
 * module. Resizing here keeps the ONNX detectors usable in any number of pool workers and in-process.
 */
export function letterboxReference(
  image: FrameImage,
  inW: number,
  inH: number,
  options: { roi?: Roi; align?: LetterboxAlign } = {},
): LetterboxedInput | undefined {
  const region = clipRoi(image.width, image.height, options.roi);
  if (!region) return undefined;
  const g = letterboxGeometry(region[2], region[3], inW, inH, options.align ?? 'center');
  const bgr = new Uint8Array(inW * inH * 3);
  resizeInto(image, region, g.resizedW, g.resizedH, bgr, inW, g.padX, g.padY);
  return {
    bgr,
    width: inW,
    height: inH,
    transform: { scale: g.scale, padX: g.padX, padY: g.padY, offsetX: region[0], offsetY: region[1] },
    region,
  };
}
