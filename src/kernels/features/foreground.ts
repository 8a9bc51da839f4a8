/**
 * What a picture shows, apart from its background. Clip art, product shots, icons and pages sit on a plain
 * border colour that dominates hashes, colour histograms and a whole-image SSIM, so two different objects
 * on white look alike to those. Here the border colour is estimated, every pixel that differs from it by
 * more than a tolerance is foreground, and the foreground is described in two frames:
 *
 * - `full`: the whole image (stable under watermarks and padding changes),
 * - `box`: the content box, i.e. the image trimmed of its plain border (stable under slight crops).
 *
 * Each frame holds a grey thumbnail, a foreground-coverage mask and a coarse colour grid. Verification
 * ({@link foregroundCheck}) compares the two frames separately (masked SSIM, worst block, mask overlap,
 * foreground colour distance) and accepts a pair when either frame agrees on every count.
 */
import { DETAIL_BYTES, detailAt, writeDetail, type Detail } from './detail';
import { resizeArea, toBytes, toGrey, type Raster } from './pixels';
import { ssimMap } from './ssim';
import type { ForegroundSettings, ForegroundVerifySettings } from './types';

/** Side of the grey thumbnail and mask of each frame. */
export const FG_SIZE = 32;
/** Side of the colour grid of each frame. */
export const FG_COLOUR = 8;
const FRAME_BYTES = 2 * FG_SIZE * FG_SIZE + 3 * FG_COLOUR * FG_COLOUR;
const HEADER = 8;
const DETAIL_OFFSET = HEADER + 2 * FRAME_BYTES;
/** Bytes of an encoded foreground record (the two frames, then the 64x64 detail views of detail.ts). */
export const FOREGROUND_BYTES = DETAIL_OFFSET + DETAIL_BYTES;

/** One frame of a decoded record: views into the encoded bytes. */
export interface ForegroundFrame {
  thumb: Uint8Array;
  mask: Uint8Array;
  colour: Uint8Array;
}

/** A decoded foreground record. */
export interface Foreground {
  /** Whether a plain border was found (else the whole image is foreground and the check is skipped). */
  plain: boolean;
  full: ForegroundFrame;
  box: ForegroundFrame;
  /** Whole frame and content box at 64x64 (stage 3c, every picture). */
  detail: Detail;
}

/** Per-channel median of the raster's outer two-pixel ring, and the share of ring pixels close to it. */
function borderColour(src: Raster, tolerance: number): { bg: number[]; share: number } {
  const { width: w, height: h, channels: c, data } = src;
  const ring: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) if (x < 2 || y < 2 || x >= w - 2 || y >= h - 2) ring.push((y * w + x) * c);
  const bg = [0, 1, 2].map((k) => {
    const v = ring.map((i) => data[i + Math.min(k, c - 1)]).sort((a, b) => a - b);
    return v[v.length >> 1];
  });
  let close = 0;
  for (const i of ring) if (distance(data, i, c, bg) <= tolerance) close++;
  return { bg, share: close / ring.length };
}

function distance(data: Float32Array, i: number, c: number, bg: number[]): number {
  let d = 0;
  for (let k = 0; k < 3; k++) d = Math.max(d, Math.abs(data[i + Math.min(k, c - 1)] - bg[k]));
  return d;
}

/** Crop of a raster (x0 inclusive, x1 exclusive). */
function crop(src: Raster, x0: number, y0: number, x1: number, y1: number): Raster {
  const { channels: c } = src;
  const w = x1 - x0;
  const out = new Float32Array(w * (y1 - y0) * c);
  for (let y = y0; y < y1; y++)
    out.set(src.data.subarray((y * src.width + x0) * c, (y * src.width + x1) * c), (y - y0) * w * c);
  return { data: out, width: w, height: y1 - y0, channels: c };
}

/** The content box: the smallest box holding all foreground, or the whole raster when there is none. */
function contentBox(mask: Raster): [number, number, number, number] {
  const { width: w, height: h, data } = mask;
  let [x0, y0, x1, y1] = [w, h, 0, 0];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (data[y * w + x] > 0)
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x + 1), Math.max(y1, y + 1)];
  return x1 - x0 < 2 || y1 - y0 < 2 ? [0, 0, w, h] : [x0, y0, x1, y1];
}

function writeFrame(out: Uint8Array, offset: number, rgb: Raster, mask: Raster): void {
  out.set(toBytes(resizeArea(toGrey(rgb), FG_SIZE, FG_SIZE)), offset);
  out.set(toBytes(resizeArea(mask, FG_SIZE, FG_SIZE)), offset + FG_SIZE * FG_SIZE);
  out.set(toBytes(resizeArea(rgb, FG_COLOUR, FG_COLOUR)), offset + 2 * FG_SIZE * FG_SIZE);
}

/** Foreground record of an RGB raster, encoded as {@link FOREGROUND_BYTES} bytes (see {@link decodeForeground}). */
export function foregroundOf(src: Raster, settings: ForegroundSettings): Uint8Array {
  const { bg, share } = borderColour(src, settings.tolerance);
  const plain = share >= settings.minBorderShare;
  const n = src.width * src.height;
  const mask = new Float32Array(n);
  // Relative to the border colour even when the border is not plain: a copy whose border just misses
  // minBorderShare (heavy JPEG, a crop into the picture) still gets a mask comparable to its original's.
  for (let i = 0; i < n; i++)
    mask[i] = distance(src.data, i * src.channels, src.channels, bg) > settings.tolerance ? 255 : 0;
  const maskRaster: Raster = { data: mask, width: src.width, height: src.height, channels: 1 };
  const [x0, y0, x1, y1] = contentBox(maskRaster);
  const out = new Uint8Array(FOREGROUND_BYTES);
  out[0] = plain ? 1 : 0;
  out.set(
    [x0, y0, x1, y1].map((v) => Math.min(255, v)),
    1,
  );
  out.set(
    bg.map((v) => Math.round(v)),
    5,
  );
  writeFrame(out, HEADER, src, maskRaster);
  writeFrame(out, HEADER + FRAME_BYTES, crop(src, x0, y0, x1, y1), crop(maskRaster, x0, y0, x1, y1));
  // Without a plain border the box is not stable under crops: the detail box view is the whole frame.
  writeDetail(out, DETAIL_OFFSET, src, plain ? [x0, y0, x1, y1] : [0, 0, src.width, src.height]);
  return out;
}

function frameAt(bytes: Uint8Array, offset: number): ForegroundFrame {
  const s = FG_SIZE * FG_SIZE;
  return {
    thumb: bytes.subarray(offset, offset + s),
    mask: bytes.subarray(offset + s, offset + 2 * s),
    colour: bytes.subarray(offset + 2 * s, offset + FRAME_BYTES),
  };
}

/** Views into an encoded record (no copy). */
export function decodeForeground(bytes: Uint8Array): Foreground {
  if (bytes.length !== FOREGROUND_BYTES)
    throw new Error(`foreground record has ${bytes.length} bytes, expected ${FOREGROUND_BYTES}`);
  return {
    plain: bytes[0] === 1,
    full: frameAt(bytes, HEADER),
    box: frameAt(bytes, HEADER + FRAME_BYTES),
    detail: detailAt(bytes, DETAIL_OFFSET),
  };
}

/** Scores of one frame comparison (higher is more similar, except `colourDistance`). */
export interface FrameScores {
  overlap: number;
  maskedStructure: number;
  blockStructure: number;
  colourDistance: number;
}

const FG_MIN = 32;

/** Compares one frame of two records. */
export function compareFrames(a: ForegroundFrame, b: ForegroundFrame): FrameScores {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.mask.length; i++) {
    inter += Math.min(a.mask[i], b.mask[i]);
    union += Math.max(a.mask[i], b.mask[i]);
  }
  const overlap = union === 0 ? 1 : inter / union;
  // SSIM windows that hold foreground in either image; per 3x3 block of windows as well.
  const window = 7;
  const { map, side } = ssimMap(a.thumb, b.thumb, FG_SIZE, window);
  const blocks = Array.from({ length: 9 }, () => ({ sum: 0, n: 0 }));
  let sum = 0;
  let count = 0;
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const c = (y + (window >> 1)) * FG_SIZE + x + (window >> 1);
      if (Math.max(a.mask[c], b.mask[c]) < FG_MIN) continue;
      sum += map[y * side + x];
      count++;
      const blk =
        blocks[Math.min(2, Math.floor((3 * y) / side)) * 3 + Math.min(2, Math.floor((3 * x) / side))];
      blk.sum += map[y * side + x];
      blk.n++;
    }
  const maskedStructure = count ? sum / count : 1;
  const filled = blocks.filter((blk) => blk.n >= 8);
  const blockStructure = filled.length ? Math.min(...filled.map((blk) => blk.sum / blk.n)) : maskedStructure;
  // Colour grid cells covered by foreground (mask averaged over the cell) in either image.
  const cell = FG_SIZE / FG_COLOUR;
  let dist = 0;
  let cells = 0;
  for (let cy = 0; cy < FG_COLOUR; cy++)
    for (let cx = 0; cx < FG_COLOUR; cx++) {
      let cover = 0;
      for (let y = cy * cell; y < (cy + 1) * cell; y++)
        for (let x = cx * cell; x < (cx + 1) * cell; x++)
          cover += Math.max(a.mask[y * FG_SIZE + x], b.mask[y * FG_SIZE + x]);
      if (cover / (cell * cell) < FG_MIN) continue;
      const i = (cy * FG_COLOUR + cx) * 3;
      dist +=
        (Math.abs(a.colour[i] - b.colour[i]) +
          Math.abs(a.colour[i + 1] - b.colour[i + 1]) +
          Math.abs(a.colour[i + 2] - b.colour[i + 2])) /
        3;
      cells++;
    }
  return { overlap, maskedStructure, blockStructure, colourDistance: cells ? dist / cells : 0 };
}

function framePasses(s: FrameScores, t: ForegroundVerifySettings): boolean {
  return (
    s.overlap >= t.minOverlap &&
    s.maskedStructure >= t.minMaskedStructure &&
    s.blockStructure >= t.minBlockStructure &&
    s.colourDistance <= t.maxColourDistance
  );
}

/** One number per frame comparison for reports: the mean of its similarities, colour as 1 - d/255. */
function frameScore(s: FrameScores): number {
  return (s.overlap + s.maskedStructure + s.blockStructure + (1 - s.colourDistance / 255)) / 4;
}

/**
 * The foreground stage: `undefined` when neither image has a plain border (photos: nothing to separate);
 * else whether the full frames or the content boxes agree on every count. `b` is compared as stored, so
 * a caller with a mirrored/rotated match skips this stage (the frames are not transformed).
 */
export function foregroundCheck(
  a: Uint8Array,
  b: Uint8Array,
  settings: ForegroundVerifySettings,
): { pass: boolean; score: number; full: FrameScores; box: FrameScores } | undefined {
  const fa = decodeForeground(a);
  const fb = decodeForeground(b);
  if (!fa.plain && !fb.plain) return undefined;
  const full = compareFrames(fa.full, fb.full);
  const box = compareFrames(fa.box, fb.box);
  const pass = framePasses(full, settings) || framePasses(box, settings);
  return { pass, score: Math.max(frameScore(full), frameScore(box)), full, box };
}
