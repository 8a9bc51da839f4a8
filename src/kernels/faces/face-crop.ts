/**
 * Face crops for the recognition and age/gender models, cut from BGR frames inside the detect worker
 * (the frame buffer is transferred there and never comes back). With `eyeDistance` set and eye landmarks
 * known (BlazeFace keypoints 0 and 1, YuNet/SCRFD 0 and 1) the crop is rotated so the eyes are level and
 * scaled so their distance is a fixed fraction of the crop (what ArcFace-style models expect); otherwise
 * it is a square around the box plus a margin (what the face-api models were trained on: on messi5,
 * astronaut and Megamind crops, box crops separate same/different faces far better than eye-aligned ones). Sampling is bilinear, with
 * supersampling when the face is much larger than the crop; pixels outside the frame repeat the edge.
 */
import type { Detection, FrameImage } from '../frame';

/** How to cut one crop. */
export interface CropSpec {
  /** Output side in pixels (the model's input size). */
  size: number;
  /** Align on the eyes: their distance as a fraction of the crop side (unset: box crop). */
  eyeDistance?: number;
  /** Vertical position of the eye line as a fraction of the crop side (default 0.4). */
  eyeY?: number;
  /** Without landmarks: extra border around the box's longer side, as a fraction (default 0.2). */
  margin?: number;
}

/** What the detect worker should crop for every face (named crops, e.g. `embed` and `classify`). */
export interface CropRequest {
  specs: Record<string, CropSpec>;
  /** Faces whose box is narrower than this get no crops (default 24 px). */
  minFaceSize?: number;
  /** At most this many faces get crops, highest scores first (default 16). */
  maxFaces?: number;
  /**
   * Per spec name: faces whose {@link faceQuality} is below this get no crop of that spec (the Re-ID stage
   * re-embeds a track only when its quality improves, so lesser faces' crops would be thrown away).
   */
  minQuality?: Record<string, number>;
}

/** How good a face is for recognition: box width (px) times detection score. */
export function faceQuality(d: Detection): number {
  return (d.box[2] - d.box[0]) * d.score;
}

/** Crops of one face by spec name: RGB24 bytes, size x size x 3. ArrayBuffers so they can be transferred. */
export type FaceCrops = Record<string, ArrayBuffer>;

/** A detection carrying the crops the detect worker cut for it. */
export interface DetectionWithCrops extends Detection {
  crops?: FaceCrops;
}

/** The affine map from crop pixels to frame pixels: frame = origin + u * ux + v * vy (u, v crop coords). */
interface CropTransform {
  ox: number;
  oy: number;
  /** Frame displacement per crop pixel along the crop's x axis... */
  ax: number;
  ay: number;
  /** ...and along its y axis. */
  bx: number;
  by: number;
  /** Frame pixels per crop pixel (for supersampling). */
  scale: number;
}

/** Where a crop of `spec` for detection `d` lies in the frame. */
export function cropTransform(d: Detection, spec: CropSpec): CropTransform {
  const size = spec.size;
  const eyes =
    spec.eyeDistance && d.landmarks && d.landmarks.length >= 2 ? [d.landmarks[0], d.landmarks[1]] : undefined;
  if (eyes) {
    const [l, r] = eyes[0][0] <= eyes[1][0] ? eyes : [eyes[1], eyes[0]];
    const dx = r[0] - l[0];
    const dy = r[1] - l[1];
    const dist = Math.hypot(dx, dy);
    const boxWidth = d.box[2] - d.box[0];
    // Trust the eyes only when they are plausibly apart (a profile face collapses them).
    if (dist > 0.15 * boxWidth) {
      const scale = dist / ((spec.eyeDistance ?? 0.34) * size);
      const cos = (dx / dist) * scale;
      const sin = (dy / dist) * scale;
      const mx = (l[0] + r[0]) / 2;
      const my = (l[1] + r[1]) / 2;
      const cu = size / 2;
      const cv = (spec.eyeY ?? 0.4) * size;
      return {
        ox: mx - cu * cos + cv * sin,
        oy: my - cu * sin - cv * cos,
        ax: cos,
        ay: sin,
        bx: -sin,
        by: cos,
        scale,
      };
    }
  }
  const w = d.box[2] - d.box[0];
  const h = d.box[3] - d.box[1];
  const side = Math.max(w, h) * (1 + (spec.margin ?? 0.2));
  const scale = side / size;
  const cx = (d.box[0] + d.box[2]) / 2;
  const cy = (d.box[1] + d.box[3]) / 2;
  return { ox: cx - side / 2, oy: cy - side / 2, ax: scale, ay: 0, bx: 0, by: scale, scale };
}

/** Cuts one RGB crop (size x size x 3) from a BGR frame. */
export function cropFace(frame: FrameImage, d: Detection, spec: CropSpec): Uint8Array {
  const size = spec.size;
  const t = cropTransform(d, spec);
  const out = new Uint8Array(size * size * 3);
  const n = Math.min(4, Math.max(1, Math.ceil(t.scale - 0.25)));
  const { width, height, data } = frame;
  const k = n * n;
  // Sample positions per crop column and row (u + (su + 0.5) / n): for a box crop (no rotation) x depends
  // only on the column and y only on the row, so their taps are computed once, not per pixel.
  const axisAligned = t.ay === 0 && t.bx === 0;
  const taps = (count: number, at: (i: number) => number, limit: number) => {
    const lo = new Int32Array(count * n);
    const hi = new Int32Array(count * n);
    const frac = new Float64Array(count * n);
    for (let i = 0; i < count; i++) {
      for (let s = 0; s < n; s++) {
        let p = at(i + (s + 0.5) / n);
        p = p < 0 ? 0 : p > limit - 1 ? limit - 1 : p;
        const p0 = Math.floor(p);
        lo[i * n + s] = p0;
        hi[i * n + s] = p0 + 1 < limit ? p0 + 1 : limit - 1;
        frac[i * n + s] = p - p0;
      }
    }
    return { lo, hi, frac };
  };
  // Pixel centres: frame pixel (i, j) covers [i, i+1), its centre is i + 0.5.
  const cols = axisAligned ? taps(size, (uu) => t.ox + uu * t.ax - 0.5, width) : undefined;
  const rows = axisAligned ? taps(size, (vv) => t.oy + vv * t.by - 0.5, height) : undefined;
  // Scalar accumulators and the channel loop written out: this runs for every face crop of every full
  // frame.
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      let accB = 0;
      let accG = 0;
      let accR = 0;
      for (let sv = 0; sv < n; sv++) {
        const vv = v + (sv + 0.5) / n;
        for (let su = 0; su < n; su++) {
          let x0: number;
          let x1: number;
          let y0: number;
          let y1: number;
          let fx: number;
          let fy: number;
          if (cols && rows) {
            const ci = u * n + su;
            const ri = v * n + sv;
            x0 = cols.lo[ci];
            x1 = cols.hi[ci];
            fx = cols.frac[ci];
            y0 = rows.lo[ri];
            y1 = rows.hi[ri];
            fy = rows.frac[ri];
          } else {
            const uu = u + (su + 0.5) / n;
            let x = t.ox + uu * t.ax + vv * t.bx - 0.5;
            let y = t.oy + uu * t.ay + vv * t.by - 0.5;
            x = x < 0 ? 0 : x > width - 1 ? width - 1 : x;
            y = y < 0 ? 0 : y > height - 1 ? height - 1 : y;
            x0 = Math.floor(x);
            y0 = Math.floor(y);
            x1 = x0 + 1 < width ? x0 + 1 : width - 1;
            y1 = y0 + 1 < height ? y0 + 1 : height - 1;
            fx = x - x0;
            fy = y - y0;
          }
          const p00 = (y0 * width + x0) * 3;
          const p01 = (y0 * width + x1) * 3;
          const p10 = (y1 * width + x0) * 3;
          const p11 = (y1 * width + x1) * 3;
          let top = data[p00] + (data[p01] - data[p00]) * fx;
          let bottom = data[p10] + (data[p11] - data[p10]) * fx;
          accB += top + (bottom - top) * fy;
          top = data[p00 + 1] + (data[p01 + 1] - data[p00 + 1]) * fx;
          bottom = data[p10 + 1] + (data[p11 + 1] - data[p10 + 1]) * fx;
          accG += top + (bottom - top) * fy;
          top = data[p00 + 2] + (data[p01 + 2] - data[p00 + 2]) * fx;
          bottom = data[p10 + 2] + (data[p11 + 2] - data[p10 + 2]) * fx;
          accR += top + (bottom - top) * fy;
        }
      }
      const o = (v * size + u) * 3;
      // BGR in, RGB out.
      out[o] = Math.round(accR / k);
      out[o + 1] = Math.round(accG / k);
      out[o + 2] = Math.round(accB / k);
    }
  }
  return out;
}

/** Cuts the requested crops for the detections of one frame (mutates and returns them). */
export function attachCrops(
  frame: FrameImage,
  detections: Detection[],
  request: CropRequest,
): DetectionWithCrops[] {
  const minSize = request.minFaceSize ?? 24;
  const eligible = detections
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => d.box[2] - d.box[0] >= minSize)
    .sort((a, b) => b.d.score - a.d.score)
    .slice(0, request.maxFaces ?? 16);
  for (const { d } of eligible) {
    const crops: FaceCrops = {};
    const quality = faceQuality(d);
    for (const [name, spec] of Object.entries(request.specs)) {
      if (quality < (request.minQuality?.[name] ?? 0)) continue;
      crops[name] = cropFace(frame, d, spec).buffer as ArrayBuffer;
    }
    if (Object.keys(crops).length > 0) (d as DetectionWithCrops).crops = crops;
  }
  return detections as DetectionWithCrops[];
}

/** Every crop buffer of a frame's detections (the transfer list of the detect worker's result). */
export function cropBuffers(detections: DetectionWithCrops[]): ArrayBuffer[] {
  return detections.flatMap((d) => (d.crops ? Object.values(d.crops) : []));
}
