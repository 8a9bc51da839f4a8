/**
 * The area resampler: shrinks (area averaging) or enlarges (bilinear) a frame region into a letterboxed
 * BGR24 picture, in plain TypeScript (see {@link letterbox} for why not OpenCV).
 */
import type { FrameImage } from '../frame';
import { layoutOf, planLetterbox, type InputTransform, type LetterboxAlign } from './letterbox';
import type { Roi } from './types';

/** A frame region resized into the model input, as packed BGR bytes, with the way back. */
export interface LetterboxedInput {
  /** BGR24, width * height * 3 bytes. */
  bgr: Uint8Array;
  width: number;
  height: number;
  transform: InputTransform;
  /** The clipped region of the frame that was used, [x, y, w, h]. */
  region: Roi;
}

/** Separable resampling taps for one axis: output i reads `count[i]` source pixels from `start[i]`. */
export interface AxisTaps {
  start: Int32Array;
  count: Int32Array;
  /** Weights of output i at `i * stride + k`, k < count[i]; they sum to 1. */
  weights: Float64Array;
  stride: number;
}

/**
 * Taps mapping `srcLen` pixels (from `srcOrigin`) onto `dstLen`: exact area coverage when shrinking (as
 * OpenCV's INTER_AREA; no aliasing), bilinear with edge clamping when enlarging. Weights sum to 1.
 */
export function axisTaps(srcOrigin: number, srcLen: number, dstLen: number): AxisTaps {
  const taps = cachedTaps(srcLen, dstLen);
  if (srcOrigin === 0) return taps;
  return { ...taps, start: taps.start.map((s) => s + srcOrigin) };
}

function computeTaps(srcLen: number, dstLen: number): AxisTaps {
  const scale = dstLen / srcLen;
  const stride = scale < 1 ? Math.ceil(1 / scale) + 2 : 2;
  const start = new Int32Array(dstLen);
  const count = new Int32Array(dstLen);
  const weights = new Float64Array(dstLen * stride);
  for (let i = 0; i < dstLen; i++) {
    if (scale < 1) {
      const a = i / scale;
      const b = Math.min(srcLen, (i + 1) / scale);
      const first = Math.floor(a);
      const last = Math.min(srcLen - 1, Math.ceil(b) - 1);
      start[i] = first;
      count[i] = last - first + 1;
      for (let k = first; k <= last; k++) {
        weights[i * stride + k - first] = (Math.min(b, k + 1) - Math.max(a, k)) * scale;
      }
    } else {
      const centre = Math.min(srcLen - 1, Math.max(0, (i + 0.5) / scale - 0.5));
      const x0 = Math.min(srcLen - 1, Math.floor(centre));
      const frac = centre - x0;
      start[i] = x0;
      count[i] = x0 + 1 < srcLen ? 2 : 1;
      weights[i * stride] = count[i] === 2 ? 1 - frac : 1;
      weights[i * stride + 1] = count[i] === 2 ? frac : 0;
    }
  }
  return { start, count, weights, stride };
}

/** Taps depend only on (srcLen, dstLen); a channel keeps one geometry, so a few entries cover a process. */
const TAPS_CACHE_SIZE = 16;
const tapsCache = new Map<string, AxisTaps>();

/** Taps relative to the region origin, from a small LRU cache (computing them costs as much as a resize). */
function cachedTaps(srcLen: number, dstLen: number): AxisTaps {
  const key = `${srcLen}>${dstLen}`;
  const hit = tapsCache.get(key);
  if (hit) {
    tapsCache.delete(key);
    tapsCache.set(key, hit);
    return hit;
  }
  const taps = computeTaps(srcLen, dstLen);
  tapsCache.set(key, taps);
  if (tapsCache.size > TAPS_CACHE_SIZE) tapsCache.delete(tapsCache.keys().next().value as string);
  return taps;
}

/**
 * Scratch buffers for the resampler, grown on demand and reused: resizing is synchronous, so one set per
 * thread is safe, and it spares allocations per frame.
 */
let columnSums = new Float64Array(0);
let resizedRow = new Float64Array(0);

function scratch(regionValues: number, rowValues: number): void {
  if (columnSums.length < regionValues) columnSums = new Float64Array(regionValues);
  if (resizedRow.length < rowValues) resizedRow = new Float64Array(rowValues);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Fixed-point unit of a partially covered source row's weight (7 bits: two such rows fit a 16-bit lane). */
const EDGE_ONE = 128;
/** Full rows summed per 16-bit lane without overflow: 257 * 255 = 65535. */
const MAX_FULL_ROWS = 257;

/**
 * Vertical area weights in fixed point: EDGE_ONE for a fully covered source row, round(coverage * EDGE_ONE)
 * for the (at most two) partially covered ones, and per output row 1 / (sum of those), so that the
 * rounded weights still sum to exactly 1 (a flat colour stays exact). Rounding moves a partial row's
 * weight by at most 1/256 of a source row: under 0.2 grey levels at the 4x and larger shrinks of detectors.
 */
interface FixedRowWeights {
  q: Int32Array;
  inverseSum: Float64Array;
}

const fixedWeightsCache = new WeakMap<AxisTaps, FixedRowWeights>();

function fixedRowWeights(taps: AxisTaps, srcLen: number, dstLen: number): FixedRowWeights {
  const hit = fixedWeightsCache.get(taps);
  if (hit) return hit;
  const q = new Int32Array(taps.weights.length);
  const inverseSum = new Float64Array(dstLen);
  const ratio = srcLen / dstLen;
  for (let i = 0; i < dstLen; i++) {
    let sum = 0;
    for (let k = 0; k < taps.count[i]; k++) {
      const coverage = taps.weights[i * taps.stride + k] * ratio;
      const fixed = Math.abs(coverage - 1) < 1e-9 ? EDGE_ONE : Math.round(coverage * EDGE_ONE);
      q[i * taps.stride + k] = fixed;
      sum += fixed;
    }
    inverseSum[i] = 1 / sum;
  }
  const weights = { q, inverseSum };
  fixedWeightsCache.set(taps, weights);
  return weights;
}

/**
 * Packed-lane vertical pass (SWAR): reads the frame as 32-bit words, 4 bytes each, and adds bytes 0/2 and
 * 1/3 as two 16-bit lanes per word, so a word costs about what one byte costs in the plain loop. Full rows
 * are summed as they are; the partial rows go, times their fixed-point weight, into separate lanes. Needs
 * a little-endian machine, a 4-byte aligned buffer and row stride, and a shrink (else {@link sumRowsFloat}).
 */
function packedSource(image: FrameImage, rh: number, dstH: number): Int32Array | undefined {
  const data = image.data;
  if (!LITTLE_ENDIAN || dstH >= rh || Math.ceil(rh / dstH) > MAX_FULL_ROWS) return undefined;
  if (data.byteOffset % 4 !== 0 || (image.width * 3) % 4 !== 0) return undefined;
  return new Int32Array(data.buffer, data.byteOffset, data.byteLength / 4);
}

/**
 * Writes the vertical sums of output row `y` into `columnSums` from index `phase` (the region start's
 * offset within its first word); returns that phase. Word-major order: the few source rows of one output
 * row are summed in registers per word (one stream per row for the prefetcher), with no partial sums
 * stored in between.
 */
function sumRowsPacked(
  words: Int32Array,
  image: FrameImage,
  region: Roi,
  yt: AxisTaps,
  fixed: FixedRowWeights,
  y: number,
): number {
  const [rx, ry, rw] = region;
  const strideWords = (image.width * 3) >> 2;
  const phase = (rx * 3) & 3;
  const nWords = (phase + rw * 3 + 3) >> 2;
  const wy = y * yt.stride;
  const count = yt.count[y];
  const rowWord = (k: number): number => (ry + yt.start[y] + k) * strideWords + ((rx * 3) >> 2);
  // Source rows in order: an optional partial top row, full rows, an optional partial bottom row.
  let first = 0;
  let last = count - 1;
  const qTop = fixed.q[wy] === EDGE_ONE ? 0 : fixed.q[wy];
  if (qTop > 0 || fixed.q[wy] === 0) first = 1;
  const qBottom = last > 0 && fixed.q[wy + last] !== EDGE_ONE ? fixed.q[wy + last] : 0;
  if (last > 0 && fixed.q[wy + last] !== EDGE_ONE) last--;
  const top = rowWord(0);
  const bottom = rowWord(count - 1);
  const fullStart = rowWord(first);
  const fullEnd = fullStart + (last - first + 1) * strideWords;
  const sums = columnSums;
  const inv = fixed.inverseSum[y];
  const full = EDGE_ONE * inv;
  for (let j = 0, b = 0; j < nWords; j++, b += 4) {
    let even = 0;
    let odd = 0;
    for (let p = fullStart + j; p < fullEnd; p += strideWords) {
      const v = words[p];
      even = (even + (v & 0xff00ff)) | 0;
      odd = (odd + ((v >>> 8) & 0xff00ff)) | 0;
    }
    let evenEdge = 0;
    let oddEdge = 0;
    if (qTop > 0) {
      const v = words[top + j];
      evenEdge = Math.imul(v & 0xff00ff, qTop);
      oddEdge = Math.imul((v >>> 8) & 0xff00ff, qTop);
    }
    if (qBottom > 0) {
      const v = words[bottom + j];
      evenEdge = (evenEdge + Math.imul(v & 0xff00ff, qBottom)) | 0;
      oddEdge = (oddEdge + Math.imul((v >>> 8) & 0xff00ff, qBottom)) | 0;
    }
    sums[b] = (even & 0xffff) * full + (evenEdge & 0xffff) * inv;
    sums[b + 1] = (odd & 0xffff) * full + (oddEdge & 0xffff) * inv;
    sums[b + 2] = (even >>> 16) * full + (evenEdge >>> 16) * inv;
    sums[b + 3] = (odd >>> 16) * full + (oddEdge >>> 16) * inv;
  }
  return phase;
}

/** Plain vertical pass in floats (any alignment, enlarging too); writes `columnSums` from index 0. */
function sumRowsFloat(image: FrameImage, region: Roi, yt: AxisTaps, y: number): number {
  const [rx, ry, rw] = region;
  const rowLen = rw * 3;
  const srcStride = image.width * 3;
  const src = image.data;
  const sums = columnSums;
  const wy = y * yt.stride;
  let p = (ry + yt.start[y]) * srcStride + rx * 3;
  let w = yt.weights[wy];
  for (let i = 0; i < rowLen; i++) sums[i] = src[p + i] * w;
  for (let k = 1; k < yt.count[y]; k++) {
    p += srcStride;
    w = yt.weights[wy + k];
    for (let i = 0; i < rowLen; i++) sums[i] += src[p + i] * w;
  }
  return 0;
}

/** Horizontal pass over one row of vertical sums (region bytes from `from`) into `resizedRow`. */
function resampleRow(from: number, xt: AxisTaps, dstW: number): Float64Array {
  const sums = columnSums;
  const row = resizedRow;
  const { start, count, weights, stride } = xt;
  for (let x = 0; x < dstW; x++) {
    const wx = x * stride;
    let q = from + start[x] * 3;
    let b = 0;
    let g = 0;
    let r = 0;
    for (let k = 0; k < count[x]; k++, q += 3) {
      const wk = weights[wx + k];
      b += sums[q] * wk;
      g += sums[q + 1] * wk;
      r += sums[q + 2] * wk;
    }
    row[x * 3] = b;
    row[x * 3 + 1] = g;
    row[x * 3 + 2] = r;
  }
  return row;
}

/**
 * Resamples the region [rx, ry, rw, rh] of a BGR24 image to dstW x dstH and hands each output row (dstW * 3
 * floats in [0, 255], BGR) to `emit`. Vertical pass first: each output row is a weighted sum of whole source
 * rows (contiguous inner loops reading every source byte about once, packed 4 bytes a word when possible),
 * then the short horizontal pass runs on that one row. The row buffer is reused between calls.
 */
export function resampleRows(
  image: FrameImage,
  region: Roi,
  dstW: number,
  dstH: number,
  emit: (y: number, row: Float64Array) => void,
): void {
  const [, , rw, rh] = region;
  const xt = cachedTaps(rw, dstW);
  const yt = cachedTaps(rh, dstH);
  scratch(rw * 3 + 8, dstW * 3);
  const words = packedSource(image, rh, dstH);
  const fixed = words ? fixedRowWeights(yt, rh, dstH) : undefined;
  for (let y = 0; y < dstH; y++) {
    const from =
      words && fixed ? sumRowsPacked(words, image, region, yt, fixed, y) : sumRowsFloat(image, region, yt, y);
    emit(y, resampleRow(from, xt, dstW));
  }
}

/** Rounds a resampled value (a convex combination of bytes, so within [0, 255] up to float error). */
export function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
}

/**
 * Crops the ROI out of the frame and letterboxes it into inW x inH (area averaging when shrinking,
 * bilinear when enlarging; black padding). Returns undefined when the ROI misses the frame.
 *
 * Plain TypeScript rather than OpenCV on purpose: @u4/opencv4nodejs (a Nan addon, not context-aware)
 * works in only one thread per process; a second thread loading it crashes the process or gets a broken
 * module. Resizing here keeps the ONNX detectors usable in any number of pool workers and in-process.
 * Detectors that only need the float tensor should call {@link letterboxTensor}, which skips the bytes.
 */
export function letterbox(
  image: FrameImage,
  inW: number,
  inH: number,
  options: { roi?: Roi; align?: LetterboxAlign } = {},
): LetterboxedInput | undefined {
  const g = planLetterbox(image.width, image.height, layoutOf(inW, inH, options));
  if (!g) return undefined;
  const bgr = new Uint8Array(inW * inH * 3);
  const rowValues = g.resizedW * 3;
  resampleRows(image, g.region, g.resizedW, g.resizedH, (y, row) => {
    const base = ((g.padY + y) * inW + g.padX) * 3;
    for (let i = 0; i < rowValues; i++) bgr[base + i] = toByte(row[i]);
  });
  return { bgr, width: inW, height: inH, transform: g.transform, region: g.region };
}
