/**
 * Re-ID and gender/age for camera channels, as one extension stage per channel (see `ChannelDeps.stages`)
 * backed by process-wide services:
 *
 * - Re-ID: for confirmed tracks, a face is embedded when its quality (width x score) improves and at most
 *   every `everyFrames` frames. Requests of all channels made in the same event-loop turn go to the `embed`
 *   pool as one batched call; the result is matched against one identity gallery per embedding model.
 * - Gender/age: requests go through one bounded `priorityQueue` (default 128) in front of the `classify`
 *   pool; new tracks and tracks with the fewest samples come first, overflow drops the lowest priority
 *   (counted). A request whose track ended while it waited is stale: it is removed unclassified (counted
 *   apart) and never takes a live track's place. Samples are smoothed per track (trimmed-mean age, gender
 *   vote) and folded into the identity.
 *
 * Crops come with the detections from the detect worker (`faceCropRequest`), because the frame buffer
 * itself is transferred there and never returns. Results go on `FrameResult.attributes[trackId]`; identity
 * and sighting rows are emitted on `identityRows$` / `sightingRows$` for the sinks.
 */
import { Subject, concatMap, type Observable, type OperatorFunction, type Subscription } from 'rxjs';
import type { RxvisionConfig } from '../../../config';
import type { ChannelConfig } from '../../../config/schema/channel';
import type { Database } from '../../../db';
import type { ClassifierConfig, EmbedderConfig } from '../../../config/schema/face-models';
import { cropSpecFor, type AgeGender } from '../../../kernels/faces/face-models';
import { counter } from '../../../metrics/registry';
import { inPool } from '../../../operators/in-pool';
import { priorityQueue } from '../../../operators/priority-queue';
import { getPool } from '../../../pools/registry';
import { logger, type Logger } from '../../../util/logger';
import { workerPath } from '../../../util/paths';
import type { FrameResult } from '../channel';
import type { Detection } from '../../../kernels/frame';
import type { Track } from '../tracker';
import { demographicsQueueSchema, type DemographicsConfig } from '../../../config/schema/demographics';
import { DemographicsSmoother, mergeDemographics, type Demographics } from '../demographics/smoothing';
import { createCoalescer, type Coalescer } from './coalesce';
import { identitiesSchema, type ReidConfig } from '../../../config/schema/reid';
import { faceQuality, type CropRequest, type DetectionWithCrops } from '../../../kernels/faces/face-crop';
import { IdentityGallery, type Identity } from './gallery';
import { faceStagesOf } from '../face-stages';
import { CLASSIFY_STAGE, DEMOGRAPHICS_QUEUE_STAGE } from '../stages';

/** Embeds RGB crops with a model (default: the shared `embed` pool). */
export type EmbedFn = (model: EmbedderConfig, crops: Uint8Array[]) => Promise<Float32Array[]>;
/** Classifies RGB crops with a model (default: the shared `classify` pool). */
export type ClassifyFn = (model: ClassifierConfig, crops: Uint8Array[]) => Promise<AgeGender[]>;

/** A row of the `identities` table. */
export interface IdentityRow {
  id: string;
  model: string;
  embedding: string;
  samples: number;
  attributes: string;
  created_at: Date;
  last_seen_at: Date;
  last_channel_id: string | null;
}

/** A row of the `identity_sightings` table. */
export interface SightingRow {
  run_id: number;
  channel_id: string;
  track_id: number;
  identity_id: string;
  first_seen: Date;
  last_seen: Date;
  similarity: number;
  samples: number;
}

/** Counters of a run (also exported as metrics). */
export interface FaceAnalysisStats {
  embedded: number;
  classified: number;
  /** Age/gender requests of live tracks dropped for their low priority when the queue was full. */
  classifyDropped: number;
  /** Age/gender requests removed unclassified from the queue because their track ended. */
  classifyCancelled: number;
  embedFailed: number;
  classifyFailed: number;
  identitiesCreated: number;
}

/** What {@link createFaceAnalysis} needs. */
export interface FaceAnalysisDeps {
  embed?: EmbedFn;
  classify?: ClassifyFn;
  /** Identities to start the galleries with (see {@link loadIdentities}). */
  identities?: Array<Identity & { model: string }>;
  /** Run id for sighting rows (read when a row is made). */
  runId?: () => number;
  log?: Logger;
}

/**
 * Which face crops a channel's tracks still want (see {@link FaceAnalysis.cropDemand}): per crop, the
 * least {@link faceQuality} a face needs for its crop to be used (0: any face), or undefined: none wanted.
 */
export interface CropDemand {
  embed?: number;
  classify?: number;
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
  identityRows$: Observable<IdentityRow>;
  sightingRows$: Observable<SightingRow>;
  stats(): FaceAnalysisStats;
  /** Ends the services and completes the row streams (call when every channel has completed). */
  complete(): void;
}

/** Gallery key of an embedding model: identities of different models never compare. */
export function modelKey(model: EmbedderConfig): string {
  return model.type === 'face-api' ? 'face-api/face_recognition_model' : `onnx:${model.path}`;
}

/** Whether a channel needs face crops, and which. */
export function faceCropRequest(channel: ChannelConfig): CropRequest | undefined {
  const specs: CropRequest['specs'] = {};
  const { reid, demographics: demo } = faceStagesOf(channel);
  if (reid) specs.embed = cropSpecFor(reid.model, 'embed');
  if (demo) specs.classify = cropSpecFor(demo.model, 'classify');
  if (!reid && !demo) return undefined;
  const minFaceSize = Math.min(reid?.minFaceSize ?? Infinity, demo?.minFaceSize ?? Infinity);
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

/** Loads every stored identity (all models) for the galleries. */
export async function loadIdentities(db: Database): Promise<Array<Identity & { model: string }>> {
  const rows = await db.db.selectFrom('identities').selectAll().execute();
  return rows.map((r) => ({
    id: r.id,
    model: r.model,
    embedding: Float32Array.from(typeof r.embedding === 'string' ? JSON.parse(r.embedding) : r.embedding),
    samples: r.samples,
    createdAt: new Date(r.created_at).getTime(),
    lastSeenAt: new Date(r.last_seen_at).getTime(),
    lastChannel: r.last_channel_id,
    attributes: (typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes) as Record<
      string,
      unknown
    >,
  }));
}

/** The default embed function: the shared `embed` pool, crops transferred. */
export function poolEmbed(): EmbedFn {
  const pool = getPool<import('../../../../workers/embed').EmbedApi>('embed', {
    worker: workerPath('embed'),
  });
  return async (model, crops) => {
    const buffers = crops.map(
      (c) => c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength) as ArrayBuffer,
    );
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
  const pool = getPool<import('../../../../workers/classify').ClassifyApi>('classify', {
    worker: workerPath('classify'),
  });
  return (model, crops) => {
    const buffers = crops.map(
      (c) => c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength) as ArrayBuffer,
    );
    return pool.run('classify', [model, buffers], {
      transfer: buffers,
      identity: `classify x${crops.length}`,
    });
  };
}

interface ClassifyRequest {
  model: ClassifierConfig;
  crop: Uint8Array;
  priority: number;
  cancelled: boolean;
  resolve: (r: AgeGender | undefined) => void;
}

interface TrackState {
  identityId?: string;
  similarity: number;
  embeddings: number;
  /** Embeddings in a row that matched the track's identity at the settle similarity or more. */
  agreeing: number;
  bestQuality: number;
  lastEmbedSeq: number;
  pendingEmbed?: Promise<void>;
  smoother: DemographicsSmoother;
  lastClassifySeq: number;
  pendingClassify?: ClassifyRequest;
  firstSeen: number;
  lastSeen: number;
}

const metrics = {
  embedded: () => counter('rxvision_reid_embeddings_total', 'Face embeddings computed', ['channel']),
  classified: () =>
    counter('rxvision_demographics_classified_total', 'Faces classified (age/gender)', ['channel']),
  dropped: () =>
    counter('rxvision_demographics_dropped_total', 'Age/gender requests dropped by the priority queue', []),
  cancelled: () =>
    counter(
      'rxvision_demographics_cancelled_total',
      'Age/gender requests of ended tracks removed from the queue unclassified',
      [],
    ),
};

/**
 * Crop demand counts a face as wanted when it is within this factor of a stage's thresholds (size, score,
 * quality): the full frame it asks for arrives a few frames later, when the face may have crossed them.
 */
const NEARLY = 0.9;

/** The face is (nearly) big and confident enough for a stage (see {@link NEARLY}). */
function nearlyEligible(face: Detection, stage: { minFaceSize: number; minScore: number }): boolean {
  return face.box[2] - face.box[0] >= stage.minFaceSize * NEARLY && face.score >= stage.minScore * NEARLY;
}

/** Creates the services; see the file header. */
export function createFaceAnalysis(config: RxvisionConfig, deps: FaceAnalysisDeps = {}): FaceAnalysis {
  const log = deps.log ?? logger();
  const identities = identitiesSchema.parse(config.identities ?? {});
  const queue = demographicsQueueSchema.parse(config.demographics ?? {});
  const stats: FaceAnalysisStats = {
    embedded: 0,
    classified: 0,
    classifyDropped: 0,
    classifyCancelled: 0,
    embedFailed: 0,
    classifyFailed: 0,
    identitiesCreated: 0,
  };
  /** Per channel: its crop demand, computed from its tracks on each call. */
  const demands = new Map<string, () => CropDemand>();
  const identityRows$ = new Subject<IdentityRow>();
  const sightingRows$ = new Subject<SightingRow>();
  const galleries = new Map<string, IdentityGallery>();
  const embedders = new Map<string, Coalescer<Uint8Array, Float32Array>>();
  const classifiers = new Map<string, Coalescer<Uint8Array, AgeGender>>();
  let embedFn = deps.embed;
  let classifyFn = deps.classify;

  const gallery = (model: EmbedderConfig): IdentityGallery => {
    const key = modelKey(model);
    let g = galleries.get(key);
    if (!g) {
      g = new IdentityGallery({ threshold: identities.threshold, maxWeight: identities.maxWeight });
      g.load((deps.identities ?? []).filter((i) => i.model === key));
      galleries.set(key, g);
    }
    return g;
  };

  const embedderFor = (model: EmbedderConfig) => {
    const key = JSON.stringify(model);
    let c = embedders.get(key);
    if (!c) {
      c = createCoalescer<Uint8Array, Float32Array>({
        maxBatch: identities.batchSize,
        run: (crops) => (embedFn ??= poolEmbed())(model, crops),
      });
      embedders.set(key, c);
    }
    return c;
  };

  const classifierFor = (model: ClassifierConfig) => {
    const key = JSON.stringify(model);
    let c = classifiers.get(key);
    if (!c) {
      c = createCoalescer<Uint8Array, AgeGender>({
        maxBatch: queue.batchSize,
        run: (crops) => (classifyFn ??= poolClassify())(model, crops),
      });
      classifiers.set(key, c);
    }
    return c;
  };

  // One priority queue for every channel in front of the classify pool.
  const classifyRequests$ = new Subject<ClassifyRequest>();
  const classifySubscription: Subscription = classifyRequests$
    .pipe(
      priorityQueue<ClassifyRequest>({
        capacity: queue.queueCapacity,
        priority: (r) => r.priority,
        stage: DEMOGRAPHICS_QUEUE_STAGE,
        // Priorities fall as tracks age (more hits), so an ended track's request would otherwise outrank
        // and push out the re-requests of live tracks.
        isStale: (r) => r.cancelled,
        onStale: (r) => {
          stats.classifyCancelled++;
          metrics.cancelled().inc();
          r.resolve(undefined);
        },
        onDrop: (r) => {
          stats.classifyDropped++;
          metrics.dropped().inc();
          r.resolve(undefined);
        },
      }),
      inPool(
        async (r: ClassifyRequest) => {
          if (r.cancelled) return undefined;
          try {
            r.resolve(await classifierFor(r.model)(r.crop));
          } catch (err) {
            stats.classifyFailed++;
            log.warn({ err: (err as Error).message }, 'age/gender classification failed');
            r.resolve(undefined);
          }
          return undefined;
        },
        // Enough slots that a batch per classify worker can be coalesced.
        { concurrency: queue.batchSize * 2, ordered: false, onError: 'skip', stage: CLASSIFY_STAGE },
      ),
    )
    .subscribe();

  const identityRow = (identity: Identity, model: string): IdentityRow => ({
    id: identity.id,
    model,
    embedding: JSON.stringify(Array.from(identity.embedding, (v) => Math.round(v * 1e6) / 1e6)),
    samples: identity.samples,
    attributes: JSON.stringify(identity.attributes),
    created_at: new Date(identity.createdAt),
    last_seen_at: new Date(identity.lastSeenAt),
    last_channel_id: identity.lastChannel,
  });

  const stage = (channel: ChannelConfig): OperatorFunction<FrameResult, FrameResult> | undefined => {
    const reid: ReidConfig | undefined = channel.reid?.enabled ? channel.reid : undefined;
    const demo: DemographicsConfig | undefined = channel.demographics?.enabled
      ? channel.demographics
      : undefined;
    if (!reid && !demo) return undefined;
    const tracks = new Map<number, TrackState>();
    const g = reid ? gallery(reid.model) : undefined;
    /** The track still collects embeddings (not at maxSamples, not settled on its identity). */
    const wantsEmbedding = (st: TrackState) =>
      st.embeddings < reid!.maxSamples && !(reid!.settle && st.agreeing >= reid!.settle.samples);
    /** The track still collects age/gender samples. */
    const wantsDemographics = (st: TrackState) =>
      st.smoother.samples < demo!.maxSamples && !(demo!.settle && st.smoother.settled(demo!.settle));
    /**
     * The least face quality the track's next embedding needs (see the condition in `process`): any face
     * until a first embedding is made or under way, then a better one than the best so far.
     */
    const embedQuality = (st: TrackState | undefined) =>
      !st || (st.embeddings === 0 && !st.pendingEmbed) ? 0 : st.bestQuality * reid!.qualityGain;
    let lastTracks: readonly Track[] = [];
    demands.set(channel.id, () => {
      const d: CropDemand = {};
      for (const t of lastTracks) {
        // Only faces seen in the last frame, and only if they (nearly) meet the stage's conditions.
        const face = t.detection;
        if (!face || (t.state !== 'tentative' && t.state !== 'confirmed')) continue;
        const st = tracks.get(t.id);
        if (reid && (!st || wantsEmbedding(st)) && nearlyEligible(face, reid)) {
          const least = embedQuality(st);
          if (faceQuality(face) >= least * NEARLY) d.embed = Math.min(d.embed ?? Infinity, least);
        }
        if (demo && (!st || wantsDemographics(st)) && nearlyEligible(face, demo)) d.classify = 0;
      }
      return d;
    });
    const key = reid ? modelKey(reid.model) : '';

    const sighting = (trackId: number, st: TrackState): void => {
      if (!st.identityId || !deps.runId) return;
      sightingRows$.next({
        run_id: deps.runId(),
        channel_id: channel.id,
        track_id: trackId,
        identity_id: st.identityId,
        first_seen: new Date(st.firstSeen),
        last_seen: new Date(st.lastSeen),
        similarity: Math.round(st.similarity * 1e4) / 1e4,
        samples: st.embeddings,
      });
    };

    const startEmbed = (trackId: number, st: TrackState, crop: Uint8Array, seq: number, quality: number) => {
      st.lastEmbedSeq = seq;
      st.bestQuality = Math.max(st.bestQuality, quality);
      st.pendingEmbed = embedderFor(reid!.model)(crop)
        .then((vector) => {
          stats.embedded++;
          metrics.embedded().inc({ channel: channel.id });
          const match = g!.match(vector, channel.id, st.identityId);
          if (match.created) stats.identitiesCreated++;
          const same = match.identity.id === st.identityId;
          const settleAt = reid!.settle ? reid!.settle.similarity : Infinity;
          // The first embedding of a track sets its identity; later ones confirm it or restart the count.
          st.agreeing = st.embeddings === 0 || (same && match.similarity >= settleAt) ? st.agreeing + 1 : 0;
          st.identityId = match.identity.id;
          st.similarity = Math.max(same ? st.similarity : 0, match.similarity);
          st.embeddings++;
          identityRows$.next(identityRow(match.identity, key));
          sighting(trackId, st);
        })
        .catch((err: Error) => {
          stats.embedFailed++;
          log.warn({ channel: channel.id, track: trackId, err: err.message }, 'face embedding failed');
        })
        .finally(() => {
          st.pendingEmbed = undefined;
        });
    };

    const startClassify = (st: TrackState, track: Track, crop: Uint8Array, seq: number) => {
      st.lastClassifySeq = seq;
      const request: ClassifyRequest = {
        model: demo!.model,
        crop,
        // Fewest samples first; among equals the youngest track (fewest hits).
        priority: -st.smoother.samples * 1e6 - Math.min(track.hits, 999_999),
        cancelled: false,
        resolve: (result) => {
          if (st.pendingClassify === request) st.pendingClassify = undefined;
          if (!result || request.cancelled) return;
          stats.classified++;
          metrics.classified().inc({ channel: channel.id });
          st.smoother.add(result);
        },
      };
      st.pendingClassify = request;
      classifyRequests$.next(request);
    };

    const attributesOf = (st: TrackState): Record<string, unknown> => {
      const a: Record<string, unknown> = {};
      if (st.identityId) {
        a.identityId = st.identityId;
        a.identitySimilarity = Math.round(st.similarity * 1e4) / 1e4;
        a.embeddings = st.embeddings;
      }
      const d = st.smoother.value();
      if (d)
        Object.assign(a, {
          gender: d.gender,
          genderConfidence: d.genderConfidence,
          age: d.age,
          ageSamples: d.samples,
        });
      return a;
    };

    const finishTrack = (trackId: number, st: TrackState): void => {
      const d = st.smoother.value();
      const identity = st.identityId ? g?.get(st.identityId) : undefined;
      if (identity && d) {
        identity.attributes = {
          ...identity.attributes,
          ...mergeDemographics(
            identity.attributes.samples ? (identity.attributes as unknown as Demographics) : undefined,
            d,
          ),
        };
        identityRows$.next(identityRow(identity, key));
      }
      sighting(trackId, st);
    };

    const process = async (r: FrameResult): Promise<FrameResult> => {
      const live = new Map(r.tracking.tracks.map((t) => [t.id, t]));
      r.detections.forEach((det, i) => {
        const d = det as DetectionWithCrops;
        const crops = d.crops;
        d.crops = undefined; // the crops are used below or not at all: free them with this frame
        const track = live.get(r.tracking.trackIds[i]);
        if (!track || track.state !== 'confirmed') return;
        let st = tracks.get(track.id);
        if (!st) {
          st = {
            similarity: 0,
            embeddings: 0,
            agreeing: 0,
            bestQuality: 0,
            lastEmbedSeq: -Infinity,
            smoother: new DemographicsSmoother(demo?.maxSamples ?? 15),
            lastClassifySeq: -Infinity,
            firstSeen: track.firstSeen,
            lastSeen: r.capturedAt,
          };
          tracks.set(track.id, st);
        }
        st.lastSeen = r.capturedAt;
        if (!crops) return; // frames without pixels (see cropDemand) only keep the track's state current
        const width = d.box[2] - d.box[0];
        const quality = faceQuality(d);
        if (
          reid &&
          crops.embed &&
          !st.pendingEmbed &&
          width >= reid.minFaceSize &&
          d.score >= reid.minScore &&
          wantsEmbedding(st) &&
          r.seq - st.lastEmbedSeq >= reid.everyFrames &&
          (st.embeddings === 0 || quality > embedQuality(st))
        ) {
          startEmbed(track.id, st, new Uint8Array(crops.embed), r.seq, quality);
        }
        if (
          demo &&
          crops.classify &&
          !st.pendingClassify &&
          width >= demo.minFaceSize &&
          d.score >= demo.minScore &&
          wantsDemographics(st) &&
          r.seq - st.lastClassifySeq >= demo.everyFrames
        ) {
          startClassify(st, track, new Uint8Array(crops.classify), r.seq);
        }
      });

      // Tracks ending here: wait for their embedding in flight (short), drop queued classifications.
      const ended = r.tracking.events.filter((e) => e.type === 'ended');
      for (const e of ended) {
        const st = tracks.get(e.track.id);
        if (!st) continue;
        if (st.pendingClassify) {
          st.pendingClassify.cancelled = true;
          st.pendingClassify = undefined;
        }
        if (st.pendingEmbed) await st.pendingEmbed;
      }

      const attributes: Record<number, Record<string, unknown>> = { ...(r.attributes ?? {}) };
      const describe = (id: number) => {
        const st = tracks.get(id);
        if (st) attributes[id] = { ...(attributes[id] ?? {}), ...attributesOf(st) };
      };
      for (const t of r.tracking.tracks) describe(t.id);
      for (const e of ended) {
        describe(e.track.id);
        const st = tracks.get(e.track.id);
        if (st) finishTrack(e.track.id, st);
        tracks.delete(e.track.id);
      }
      lastTracks = r.tracking.tracks;
      return Object.keys(attributes).length > 0 ? { ...r, attributes } : r;
    };

    return (source) => source.pipe(concatMap(process));
  };

  return {
    gallery,
    stage,
    identityRows$: identityRows$.asObservable(),
    sightingRows$: sightingRows$.asObservable(),
    cropDemand: (channelId) => demands.get(channelId)?.() ?? {},
    wantsPixels: (channelId) => {
      const d = demands.get(channelId)?.() ?? {};
      return d.embed !== undefined || d.classify !== undefined;
    },
    stats: () => ({ ...stats }),
    complete() {
      classifyRequests$.complete();
      classifySubscription.unsubscribe();
      identityRows$.complete();
      sightingRows$.complete();
    },
  };
}
