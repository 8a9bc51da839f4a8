import { existsSync } from 'node:fs';
import { assetPath } from '../../assets/paths';
import { loadOpenCV, type CV } from '../../util/opencv';
import type { Detection, DetectorFrame, FrameImage } from '../frame';
import { assertFrameImage } from '../frame';
import { finishDetections, resolveOptions } from './postprocess';
import { clipRoi } from './letterbox';
import type { HaarOptions } from './spec';
import type { FaceDetector, ResolvedDetectorOptions } from './types';

export type { HaarOptions } from './spec';

type Cascade = InstanceType<CV['CascadeClassifier']>;

/**
 * Converts the cascade's neighbour count into a score in (0, 1): n / (n + minNeighbors), so a face that just
 * meets minNeighbors scores 0.5 and more corroborated faces approach 1.
 */
export function haarScore(neighbours: number, minNeighbors: number): number {
  return neighbours / (neighbours + Math.max(1, minNeighbors));
}

class HaarDetector implements FaceDetector {
  readonly name = 'haar';
  readonly inputSize: { width: number; height: number };

  constructor(
    private readonly cv: CV,
    private readonly cascade: Cascade,
    private readonly options: ResolvedDetectorOptions,
    private readonly haar: Required<Pick<HaarOptions, 'scaleFactor' | 'minNeighbors' | 'equalizeHist'>> & {
      maxInputSide: number;
    },
  ) {
    // 0 x 0: the cascade runs on the source resolution.
    const side = Number.isFinite(haar.maxInputSide) ? haar.maxInputSide : 0;
    this.inputSize = { width: side, height: side };
  }

  /** Synchronous work; resolves at once. */
  async detect(input: DetectorFrame): Promise<Detection[]> {
    if (!input.data) throw new Error('haar: needs the full frame (it has no decoder-resized input)');
    const frame: FrameImage = input;
    assertFrameImage(frame);
    const cv = this.cv;
    const region = clipRoi(frame.width, frame.height, this.options.roi);
    if (!region) return [];
    const [rx, ry, rw, rh] = region;
    const buffer = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
    let mat = new cv.Mat(buffer, frame.height, frame.width, cv.CV_8UC3);
    if (rw !== frame.width || rh !== frame.height) mat = mat.getRegion(new cv.Rect(rx, ry, rw, rh));
    const scale = Math.min(1, this.haar.maxInputSide / Math.max(rw, rh));
    if (scale < 1) mat = mat.resize(Math.round(rh * scale), Math.round(rw * scale), 0, 0, cv.INTER_AREA);
    let grey = mat.cvtColor(cv.COLOR_BGR2GRAY);
    if (this.haar.equalizeHist) grey = grey.equalizeHist();
    const minSide = Math.max(1, Math.floor(this.options.minFaceSize * scale));
    const result = this.cascade.detectMultiScale(
      grey,
      this.haar.scaleFactor,
      this.haar.minNeighbors,
      0,
      new cv.Size(minSide, minSide),
    );
    const raw: Detection[] = result.objects.map((r, i) => ({
      box: [r.x, r.y, r.x + r.width, r.y + r.height],
      score: haarScore(result.numDetections[i] ?? this.haar.minNeighbors, this.haar.minNeighbors),
    }));
    const transform = { scale, padX: 0, padY: 0, offsetX: rx, offsetY: ry };
    return finishDetections(raw, transform, region, this.options, 'hard');
  }

  async dispose(): Promise<void> {
    // The cascade is freed with the JS object.
  }
}

/**
 * Opens an OpenCV Haar cascade face detector. It loads OpenCV, which works in only one thread per process:
 * open Haar detectors in one thread only (in-process, or a detect pool of size 1). Defaults: scoreThreshold 0 (the cascade's own minNeighbors
 * decides), nmsIouThreshold 0.3 (hard NMS), minFaceSize 0 (given to the cascade as minSize), maxFaces 100.
 */
export async function createHaarDetector(options: HaarOptions = {}): Promise<FaceDetector> {
  const cascadePath =
    options.cascadePath ?? assetPath('cascades', 'haarcascades/haarcascade_frontalface_default.xml');
  if (!existsSync(cascadePath)) throw new Error(`Haar cascade not found: ${cascadePath}`);
  const cv = loadOpenCV();
  let cascade: Cascade;
  try {
    cascade = new cv.CascadeClassifier(cascadePath);
  } catch (err) {
    throw new Error(`Haar cascade could not be loaded: ${cascadePath}: ${(err as Error).message}`);
  }
  const resolved = resolveOptions(
    options,
    { scoreThreshold: 0, nmsIouThreshold: 0.3, minFaceSize: 0, maxFaces: 100 },
    'haar',
  );
  const scaleFactor = options.scaleFactor ?? 1.1;
  if (!(scaleFactor > 1)) throw new Error('haar: scaleFactor must be > 1');
  return new HaarDetector(cv, cascade, resolved, {
    scaleFactor,
    minNeighbors: options.minNeighbors ?? 3,
    equalizeHist: options.equalizeHist ?? false,
    maxInputSide: options.maxInputSide ?? Number.POSITIVE_INFINITY,
  });
}
