/**
 * Re-ID and gender/age for camera channels, as one extension stage per channel (see `ChannelDeps.stages`)
 * backed by process-wide services:
 *
 * - Re-ID: for confirmed tracks, a face is embedded when its quality (width x score) improves and at most
 *   every `everyFrames` frames. Requests of all channels made in the same event-loop turn go to the `embed`
 *   pool as one batched call; the result is matched against one identity gallery per embedding model.
 * - Gender/age: requests go through one bounded priority queue (default 128) in front of the `classify`
 *   pool (see ../demographics/classify-queue); its outcomes update the tracks. Samples are smoothed per
 *   track (trimmed-mean age, gender vote) and folded into the identity.
 *
 * Crops come with the detections from the detect worker (`faceCropRequest`), because the frame buffer
 * itself is transferred there and never returns. Results go on `FrameResult.attributes[trackId]`; identity
 * and sighting rows are emitted on `identityRows$` / `sightingRows$` for the sinks.
 *
 * The units: galleries (one per model), model coalescers (batched embed/classify calls), the classify
 * queue, per-track state, crop demand, the per-channel stage and the row streams; this file composes them.
 */
import { Subject, type Observable, type OperatorFunction, type Subscription } from 'rxjs';
import type { RxvisionConfig } from '../../../config';
import type { ChannelConfig } from '../../../config/schema/channel';
import type { ClassifierConfig, EmbedderConfig } from '../../../config/schema/face-models';
import type { AgeGender } from '../../../kernels/faces/model-config';
import { classifyPool, embedPool } from '../../../pools/kinds';
import { toTransferable } from '../../../pools/transfer';
import { logger, type Logger } from '../../../util/logger';
import type { FrameResult } from '../channel';
import { demographicsQueueSchema } from '../../../config/schema/demographics';
import { classifyInQueue, type ClassifyOutcome, type ClassifyRequest } from '../demographics/classify-queue';
import { identitiesSchema } from '../../../config/schema/reid';
import { faceStagesOf } from '../face-stages';
import { wantsAnyCrop, type CropDemand } from './crop-demand';
import { createFaceRowStreams, type IdentityRow, type SightingRow } from './face-rows';
import { createFaceStage, type ClassifyOwner, type FaceStage } from './face-stage';
import { emptyFaceStats, faceMetrics, type FaceAnalysisStats } from './face-stats';
import { createGalleries, modelKey, type StoredIdentity } from './galleries';
import type { IdentityGallery } from './gallery';
import { coalescerPerModel } from './model-coalescers';

export { faceCropRequest, narrowCropRequest, type CropDemand } from './crop-demand';
export type { IdentityRow, SightingRow } from './face-rows';
export type { FaceAnalysisStats } from './face-stats';
export { modelKey } from './galleries';
export { loadIdentities } from './load-identities';

/** Embeds RGB crops with a model (default: the shared `embed` pool). */
export type EmbedFn = (model: EmbedderConfig, crops: Uint8Array[]) => Promise<Float32Array[]>;
/** Classifies RGB crops with a model (default: the shared `classify` pool). */
export type ClassifyFn = (model: ClassifierConfig, crops: Uint8Array[]) => Promise<AgeGender[]>;

/** What {@link createFaceAnalysis} needs. */
export interface FaceAnalysisDeps {
  embed?: EmbedFn;
  classify?: ClassifyFn;
  /** Identities to start the galleries with (see {@link loadIdentities}). */
  identities?: StoredIdentity[];
  /** Run id for sighting rows (read when a row is made). */
  runId?: () => number;
  log?: Logger;
}

/** The Re-ID / demographics services of one run. */
export interface FaceAnalysis {
  /** The gallery of an embedding model (created on first use). */
  gallery(model: EmbedderConfig): IdentityGallery;
  /** The channel's stage, or undefined when neither Re-ID nor demographics is enabled on it. */
  stage(channel: ChannelConfig): OperatorFunction<FrameResult, FrameResult> | undefined;
  /**
   * Which crops the faces of the channel's last result still want: the face of a tentative or new track
   * wants both stages' crops, that of a confirmed one the stages it is not done with (maxSamples reached or
   * settled), and only when it is (nearly) large and confident enough for them; embeddings only of faces
   * better than the track's best so far by `qualityGain`. Nothing is wanted when no face on the channel
   * could be used: its periodic full frames and crops are then skipped.
   */
  cropDemand(channelId: string): CropDemand;
  /** Whether the channel's tracks want any crop now (see {@link cropDemand}): its `WantsPixels`. */
  wantsPixels(channelId: string): boolean;
  /** Adds identities stored by other nodes of a cluster to the galleries; returns how many were new. */
  adoptIdentities(identities: readonly StoredIdentity[]): number;
  identityRows$: Observable<IdentityRow>;
  sightingRows$: Observable<SightingRow>;
  stats(): FaceAnalysisStats;
  /** Ends the services and completes the row streams (call when every channel has completed). */
  complete(): void;
}

/** The default embed function: the shared `embed` pool, crops transferred. */
export function poolEmbed(): EmbedFn {
  const pool = embedPool();
  return async (model, crops) => {
    const buffers = crops.map(toTransferable);
    const r = await pool.run('embed', [model, buffers], {
      transfer: buffers,
      identity: `embed x${crops.length}`,
    });
    const all = new Float32Array(r.data);
    return Array.from({ length: r.count }, (_, i) => all.subarray(i * r.dim, (i + 1) * r.dim));
  };
}

/** The default classify function: the shared `classify` pool, crops transferred. */
export function poolClassify(): ClassifyFn {
  const pool = classifyPool();
  return (model, crops) => {
    const buffers = crops.map(toTransferable);
    return pool.run('classify', [model, buffers], {
      transfer: buffers,
      identity: `classify x${crops.length}`,
    });
  };
}

/** Creates the services; see the file header. */
export function createFaceAnalysis(config: RxvisionConfig, deps: FaceAnalysisDeps = {}): FaceAnalysis {
  const log = deps.log ?? logger();
  const identities = identitiesSchema.parse(config.identities ?? {});
  const queue = demographicsQueueSchema.parse(config.demographics ?? {});
  const stats = emptyFaceStats();
  const rows = createFaceRowStreams();
  const gallery = createGalleries(identities, deps.identities);
  let embedFn = deps.embed;
  let classifyFn = deps.classify;
  const embedderFor = coalescerPerModel(identities.batchSize, () => (embedFn ??= poolEmbed()));
  const classifierFor = coalescerPerModel(queue.batchSize, () => (classifyFn ??= poolClassify()));
  /** Per channel: its stage (for its crop demand). */
  const stages = new Map<string, FaceStage>();

  // One priority queue for every channel in front of the classify pool; its outcomes update the tracks.
  const classifyRequests$ = new Subject<ClassifyRequest<ClassifyOwner>>();
  const applyOutcome = (outcome: ClassifyOutcome<ClassifyOwner>): void => {
    const { request } = outcome;
    const { channel, state } = request.owner;
    if (state.pendingClassify === request) state.pendingClassify = undefined;
    switch (outcome.status) {
      case 'classified':
        if (request.cancelled) return;
        stats.classified++;
        faceMetrics.classified().inc({ channel });
        state.smoother.add(outcome.result);
        return;
      case 'failed':
        stats.classifyFailed++;
        log.warn({ err: outcome.error.message }, 'age/gender classification failed');
        return;
      case 'dropped':
        stats.classifyDropped++;
        faceMetrics.dropped().inc();
        return;
      case 'cancelled':
        stats.classifyCancelled++;
        faceMetrics.cancelled().inc();
        return;
    }
  };
  const classifySubscription: Subscription = classifyRequests$
    .pipe(
      classifyInQueue<ClassifyOwner>({
        capacity: queue.queueCapacity,
        classify: (model, crop) => classifierFor(model)(crop),
        concurrency: queue.batchSize * 2,
      }),
    )
    .subscribe(applyOutcome);

  const stage = (channel: ChannelConfig): OperatorFunction<FrameResult, FrameResult> | undefined => {
    const faceStages = faceStagesOf(channel);
    const { reid, demographics } = faceStages;
    if (!reid && !demographics) return undefined;
    const created = createFaceStage(channel.id, faceStages, {
      gallery: reid ? { gallery: gallery(reid.model), key: modelKey(reid.model) } : undefined,
      embed: reid ? embedderFor(reid.model) : undefined,
      requestClassification: (request) => classifyRequests$.next(request),
      rows,
      stats,
      runId: deps.runId,
      log,
    });
    stages.set(channel.id, created);
    return created.operator;
  };

  const cropDemand = (channelId: string): CropDemand => stages.get(channelId)?.cropDemand() ?? {};
  return {
    gallery,
    adoptIdentities: (identities) => gallery.adopt(identities),
    stage,
    identityRows$: rows.identityRows$,
    sightingRows$: rows.sightingRows$,
    cropDemand,
    wantsPixels: (channelId) => wantsAnyCrop(cropDemand(channelId)),
    stats: () => ({ ...stats }),
    complete() {
      classifyRequests$.complete();
      classifySubscription.unsubscribe();
      rows.complete();
    },
  };
}
