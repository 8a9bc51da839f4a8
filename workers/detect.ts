/**
 * Worker entry of the shared `detect` pool: a long-lived thread holding face detectors for every camera
 * channel. Detectors are created lazily, once per distinct config, and reused for all frames; each model
 * loads once per worker.
 *
 * The ONNX detectors (BlazeFace, YuNet, SCRFD) need no OpenCV and run in any number of workers. The Haar
 * detector needs OpenCV, which works in only one thread per process (@u4/opencv4nodejs is not
 * context-aware): use Haar only with a detect pool of size 1 and no OpenCV use in any other thread.
 */
import type { DetectorSpec, FaceDetector } from '../src/kernels/detectors';
import { createDetector } from '../src/kernels/detectors/open';
import type { Detection, InputLayout } from '../src/kernels/frame';
import { attachCrops, cropBuffers, type CropRequest } from '../src/kernels/faces/face-crop';
import { exposeWorker, transferResult } from '../src/pools/expose';

/** `init` argument: detector configs by name; frames may also name a detector by its {@link detectorKey}. */
export interface DetectWorkerConfig {
  detectors?: Record<string, DetectorSpec>;
  /** Open these detectors during init so the first frames do not pay for model loading. */
  preload?: string[];
}

/** One frame of a {@link DetectApi.detectBatch} call. */
export interface DetectBatchItem {
  detectorKey: string;
  width: number;
  height: number;
  /** BGR24 bytes; an ArrayBuffer when transferred. */
  data: ArrayBuffer | Uint8Array;
}

const named = new Map<string, DetectorSpec>();
const open = new Map<string, Promise<FaceDetector>>();

function configFor(key: string): DetectorSpec {
  const config = named.get(key);
  if (config) return config;
  if (key.startsWith('{')) {
    try {
      return JSON.parse(key) as DetectorSpec;
    } catch {
      // fall through to the error below
    }
  }
  throw new Error(
    `detect worker: unknown detector "${key}" (not in init's detectors, not a detectorKey() JSON)`,
  );
}

function detectorFor(key: string): Promise<FaceDetector> {
  let detector = open.get(key);
  if (!detector) {
    detector = createDetector(configFor(key));
    // A failed open is not cached: a later frame retries (e.g. after `pipeline assets fetch`).
    detector.catch(() => open.delete(key));
    open.set(key, detector);
  }
  return detector;
}

function bytes(data: ArrayBuffer | Uint8Array): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

const api = {
  async init(config: DetectWorkerConfig = {}): Promise<void> {
    for (const [name, c] of Object.entries(config.detectors ?? {})) named.set(name, c);
    for (const key of config.preload ?? []) await detectorFor(key);
  },

  /**
   * Detects faces in one BGR24 frame with the detector named by `key` (a name from init or a detectorKey).
   * With `crops`, every face (up to its limits) also gets aligned RGB crops for the Re-ID and age/gender
   * models (`Detection.crops`, see src/pipelines/camera/reid/face-crop.ts), transferred back, not copied:
   * the frame itself never returns to the main thread. With `resized` (the decoder's letterboxed input for
   * the detector), detection runs on it; `data` (the full frame) may then be null, and crops are cut only
   * when it is there.
   */
  async detect(
    key: string,
    width: number,
    height: number,
    data: ArrayBuffer | Uint8Array | null,
    crops?: CropRequest | null,
    resized?: (InputLayout & { data: ArrayBuffer | Uint8Array }) | null,
  ): Promise<Detection[]> {
    const detector = await detectorFor(key);
    const small = resized ? { ...resized, data: bytes(resized.data) } : undefined;
    if (!data) {
      if (!small) throw new Error('detect worker: a frame needs its pixels or its resized input');
      return detector.detect({ width, height, resized: small });
    }
    const frame = { width, height, data: bytes(data), resized: small };
    const detections = await detector.detect(frame);
    if (!crops) return detections;
    const withCrops = attachCrops(frame, detections, crops);
    return transferResult(withCrops, cropBuffers(withCrops));
  },

  /**
   * Detects faces in several frames (of any channels) in one call, saving a round trip per frame. The
   * frames run one after another: the BlazeFace exports have a fixed batch dimension of 1, so ORT cannot
   * batch them into one inference.
   */
  async detectBatch(items: DetectBatchItem[]): Promise<Detection[][]> {
    const results: Detection[][] = [];
    for (const item of items) {
      const detector = await detectorFor(item.detectorKey);
      results.push(await detector.detect({ width: item.width, height: item.height, data: bytes(item.data) }));
    }
    return results;
  },

  /**
   * The input layout of a detector (opening it if needed), so a decoder can produce that input directly;
   * null for detectors that need full frames.
   */
  async inputLayout(key: string): Promise<InputLayout | null> {
    return (await detectorFor(key)).inputLayout ?? null;
  },

  /** Names/keys of the detectors open in this worker (diagnostics). */
  openDetectors(): string[] {
    return [...open.keys()];
  },
};

/** The detect worker's API, for `createPool<DetectApi>(...)`. */
export type DetectApi = typeof api;

exposeWorker(api);
