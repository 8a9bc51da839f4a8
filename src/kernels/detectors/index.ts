import { createBlazeFaceDetector } from './blazeface';
import { detectorConfigSchema, type DetectorConfig, type DetectorConfigInput } from '../../config/schema/detector';
import { createHaarDetector } from './haar';
import { createScrfdDetector } from './scrfd';
import type { FaceDetector } from './types';
import { createYuNetDetector } from './yunet';

export type { FaceDetector, DetectorOptions, Roi } from './types';
export { detectorConfigSchema, type DetectorConfig, type DetectorConfigInput } from '../../config/schema/detector';
export {
  createBlazeFaceDetector,
  decodeBlazeFace,
  BLAZEFACE_VARIANTS,
  type BlazeFaceOptions,
} from './blazeface';
export { createHaarDetector, type HaarOptions } from './haar';
export { createYuNetDetector, type YuNetOptions } from './yunet';
export { createScrfdDetector, type ScrfdOptions } from './scrfd';
export { nms, hardNms, weightedNms, type NmsMode } from './nms';
export { generateSsdAnchors, type Anchor, type SsdAnchorOptions } from './anchors';

/** Opens the detector a config describes (validated with {@link detectorConfigSchema}). */
export async function createDetector(config: DetectorConfigInput): Promise<FaceDetector> {
  const parsed = detectorConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`detector config: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return openParsed(parsed.data);
}

function openParsed(config: DetectorConfig): Promise<FaceDetector> {
  switch (config.type) {
    case 'blazeface':
      return createBlazeFaceDetector(config);
    case 'haar':
      return createHaarDetector(config);
    case 'yunet':
      return createYuNetDetector(config);
    case 'scrfd':
      return createScrfdDetector(config);
  }
}

/**
 * A stable key for a detector config (JSON with sorted keys): equal configs share one detector instance
 * in a worker.
 */
export function detectorKey(config: DetectorConfigInput): string {
  return stableStringify(config);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
