/**
 * Which face crops a channel's tracks still want, so the decoder's full frames and the detect worker's
 * crops are made only when some face could use them.
 */
import type { ChannelConfig } from '../../../config/schema/channel';
import { cropSpecFor } from '../../../kernels/faces/model-config';
import { faceQuality, type CropRequest } from '../../../kernels/faces/face-crop';
import { faceStagesOf, type FaceStages } from '../face-stages';
import type { Track } from '../tracker';
import {
  embedQuality,
  faceEligible,
  wantsDemographics,
  wantsEmbedding,
  type TrackState,
} from './track-state';

/**
 * Per crop, the least {@link faceQuality} a face needs for its crop to be used (0: any face), or
 * undefined: none wanted.
 */
export interface CropDemand {
  embed?: number;
  classify?: number;
}

/**
 * Crop demand counts a face as wanted when it is within this factor of a stage's thresholds (size, score,
 * quality): the full frame it asks for arrives a few frames later, when the face may have crossed them.
 */
const NEARLY = 0.9;

/** Whether a channel needs face crops, and which. */
export function faceCropRequest(channel: ChannelConfig): CropRequest | undefined {
  const { reid, demographics } = faceStagesOf(channel);
  if (!reid && !demographics) return undefined;
  const specs: CropRequest['specs'] = {};
  if (reid) specs.embed = cropSpecFor(reid.model, 'embed');
  if (demographics) specs.classify = cropSpecFor(demographics.model, 'classify');
  const minFaceSize = Math.min(reid?.minFaceSize ?? Infinity, demographics?.minFaceSize ?? Infinity);
  return { specs, minFaceSize };
}

/** `request` narrowed to the crops wanted now, with their least face quality; null when none is. */
export function narrowCropRequest(request: CropRequest, demand: CropDemand): CropRequest | null {
  const specs = Object.fromEntries(
    Object.entries(request.specs).filter(([name]) => demand[name as keyof CropDemand] !== undefined),
  );
  if (Object.keys(specs).length === 0) return null;
  return { ...request, specs, minQuality: { ...demand } as Record<string, number> };
}

/** Whether the demand asks for any crop (the face stages' `WantsPixels`). */
export function wantsAnyCrop(demand: CropDemand): boolean {
  return demand.embed !== undefined || demand.classify !== undefined;
}

/**
 * The crops the faces of the last frame's tracks still want: the face of a tentative or new track wants
 * both stages' crops, that of a confirmed one the stages it is not done with (maxSamples reached or
 * settled), and only when it is (nearly) large and confident enough for them; embeddings only of faces
 * better than the track's best so far by `qualityGain`.
 */
export function cropDemandOf(
  tracks: readonly Track[],
  states: ReadonlyMap<number, TrackState>,
  { reid, demographics }: FaceStages,
): CropDemand {
  const demand: CropDemand = {};
  for (const t of tracks) {
    // Only faces seen in the last frame.
    const face = t.detection;
    if (!face || (t.state !== 'tentative' && t.state !== 'confirmed')) continue;
    const st = states.get(t.id);
    if (reid && (!st || wantsEmbedding(st, reid)) && faceEligible(face, reid, NEARLY)) {
      const least = embedQuality(st, reid);
      if (faceQuality(face) >= least * NEARLY) demand.embed = Math.min(demand.embed ?? Infinity, least);
    }
    if (
      demographics &&
      (!st || wantsDemographics(st, demographics)) &&
      faceEligible(face, demographics, NEARLY)
    ) {
      demand.classify = 0;
    }
  }
  return demand;
}
