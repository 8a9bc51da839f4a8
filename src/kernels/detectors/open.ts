/**
 * Opening detectors: the native side of src/kernels/detectors (onnxruntime-node, OpenCV). Import this only
 * from workers (workers/detect.ts), tests and benches; main-thread code uses the pure barrel (index.ts).
 */
import { createBlazeFaceDetector } from './blazeface';
import { createHaarDetector } from './haar';
import { createScrfdDetector } from './scrfd';
import { createTiledDetector } from './tiles';
import type { DetectorSpec } from './spec';
import type { FaceDetector } from './types';
import { createYuNetDetector } from './yunet';

export { createBlazeFaceDetector, decodeBlazeFace, BLAZEFACE_VARIANTS } from './blazeface';
export { createHaarDetector } from './haar';
export { createYuNetDetector } from './yunet';
export { createScrfdDetector } from './scrfd';

/**
 * Opens the detector a config describes. The config layer validates user settings (detectorConfigSchema);
 * this only refuses what would otherwise fail obscurely later: an unknown type or a missing model file name.
 */
export async function createDetector(config: DetectorSpec): Promise<FaceDetector> {
  if (config.tiles) return createTiledDetector({ ...config, tiles: config.tiles }, createDetector);
  switch (config.type) {
    case 'blazeface':
      return createBlazeFaceDetector(config);
    case 'haar':
      return createHaarDetector(config);
    case 'yunet':
      return createYuNetDetector(requireModelPath(config));
    case 'scrfd':
      return createScrfdDetector(requireModelPath(config));
    default:
      throw new Error(`detector config: type: unknown detector "${(config as { type?: unknown }).type}"`);
  }
}

/** User-supplied models have no default file: name the missing setting rather than "undefined not found". */
function requireModelPath<T extends { type: string; modelPath: string }>(config: T): T {
  if (typeof config.modelPath !== 'string' || config.modelPath.length === 0) {
    throw new Error(`detector config: modelPath: required for a ${config.type} detector`);
  }
  return config;
}
