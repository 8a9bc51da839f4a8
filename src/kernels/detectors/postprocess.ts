import type { Box, Detection } from '../frame';
import { nms, type NmsMode } from './nms';
import { toSource, type InputTransform } from './letterbox';
import type { DetectorOptions, ResolvedDetectorOptions, Roi } from './types';

/** Fills in the shared options with a detector's defaults and checks their ranges. */
export function resolveOptions(
  options: DetectorOptions,
  defaults: Omit<ResolvedDetectorOptions, 'roi'>,
  what: string,
): ResolvedDetectorOptions {
  const resolved: ResolvedDetectorOptions = {
    scoreThreshold: options.scoreThreshold ?? defaults.scoreThreshold,
    nmsIouThreshold: options.nmsIouThreshold ?? defaults.nmsIouThreshold,
    minFaceSize: options.minFaceSize ?? defaults.minFaceSize,
    maxFaces: options.maxFaces ?? defaults.maxFaces,
    roi: options.roi,
  };
  const inUnit = (v: number) => v >= 0 && v <= 1;
  if (!inUnit(resolved.scoreThreshold)) throw new Error(`${what}: scoreThreshold must be in [0, 1]`);
  if (!inUnit(resolved.nmsIouThreshold)) throw new Error(`${what}: nmsIouThreshold must be in [0, 1]`);
  if (!(resolved.minFaceSize >= 0)) throw new Error(`${what}: minFaceSize must be >= 0`);
  if (!(resolved.maxFaces >= 1)) throw new Error(`${what}: maxFaces must be >= 1`);
  if (resolved.roi && (resolved.roi.length !== 4 || resolved.roi[2] <= 0 || resolved.roi[3] <= 0)) {
    throw new Error(`${what}: roi must be [x, y, width, height] with positive width and height`);
  }
  return resolved;
}

/** Maps a detection from model-input pixels to source-frame pixels. */
export function mapToSource(d: Detection, t: InputTransform): Detection {
  const [x1, y1] = toSource(t, d.box[0], d.box[1]);
  const [x2, y2] = toSource(t, d.box[2], d.box[3]);
  const mapped: Detection = { box: [x1, y1, x2, y2], score: d.score };
  if (d.landmarks) mapped.landmarks = d.landmarks.map(([x, y]) => toSource(t, x, y));
  return mapped;
}

/** Clips a box to a region; boxes of detectors may reach past the image edge. */
export function clipBox(b: Box, region: Roi): Box {
  const [rx, ry, rw, rh] = region;
  const cx = (v: number) => Math.min(rx + rw, Math.max(rx, v));
  const cy = (v: number) => Math.min(ry + rh, Math.max(ry, v));
  return [cx(b[0]), cy(b[1]), cx(b[2]), cy(b[3])];
}

/**
 * The shared tail of every detector: score threshold, mapping to source pixels, clipping to the detected
 * region, NMS, minimum face size, and the maxFaces cut. `raw` boxes are in model-input pixels.
 */
export function finishDetections(
  raw: readonly Detection[],
  transform: InputTransform,
  region: Roi,
  options: ResolvedDetectorOptions,
  nmsMode: NmsMode,
): Detection[] {
  const mapped = raw
    .filter((d) => d.score >= options.scoreThreshold)
    .map((d) => mapToSource(d, transform))
    .map((d) => ({ ...d, box: clipBox(d.box, region) }));
  return nms(mapped, options.nmsIouThreshold, nmsMode)
    .filter((d) => d.box[2] - d.box[0] >= options.minFaceSize && d.box[3] - d.box[1] >= options.minFaceSize)
    .filter((d) => d.box[2] > d.box[0] && d.box[3] > d.box[1])
    .slice(0, options.maxFaces);
}

/** Logistic function, clamped like MediaPipe (score_clipping_thresh 100) to avoid overflow. */
export function sigmoid(x: number): number {
  const c = Math.max(-100, Math.min(100, x));
  return 1 / (1 + Math.exp(-c));
}
