/**
 * The face stage of one channel: for each tracked frame it keeps the state of the confirmed tracks, starts
 * an embedding or an age/gender request when a face is good enough and due, writes the tracks' attributes
 * on the result, and finishes the tracks that end (identity demographics, last sighting).
 */
import { concatMap, type OperatorFunction } from 'rxjs';
import type { Logger } from '../../../util/logger';
import { faceQuality, type DetectionWithCrops } from '../../../kernels/faces/face-crop';
import type { TrackAttributesById } from '../../../kernels/track-attributes';
import type { FrameResult } from '../channel';
import type { ClassifyRequest } from '../demographics/classify-queue';
import { mergeDemographics, type Demographics } from '../demographics/smoothing';
import type { FaceStages } from '../face-stages';
import type { Track } from '../tracker';
import { cropDemandOf, type CropDemand } from './crop-demand';
import { identityRow, type FaceRowStreams } from './face-rows';
import { faceMetrics, type FaceAnalysisStats } from './face-stats';
import type { IdentityGallery } from './gallery';
import {
  applyMatch,
  continuedTrack,
  embedQuality,
  faceEligible,
  learnEmbedding,
  newTrackState,
  trackAttributes,
  wantsDemographics,
  wantsEmbedding,
  type TrackState,
} from './track-state';

/** Whom an age/gender request is for: its outcome updates this track state. */
export interface ClassifyOwner {
  channel: string;
  state: TrackState;
}

/** What the stage of a channel works with (shared by every channel of the run). */
export interface FaceStageServices {
  /** With Re-ID: the gallery of the channel's embedding model and its key. */
  gallery?: { gallery: IdentityGallery; key: string };
  /** Embeds one crop with the channel's model. */
  embed?: (crop: Uint8Array) => Promise<Float32Array>;
  /** Queues an age/gender request (see `classifyInQueue`). */
  requestClassification: (request: ClassifyRequest<ClassifyOwner>) => void;
  rows: FaceRowStreams;
  stats: FaceAnalysisStats;
  /** Run id for sighting rows (read when a row is made); without it no sighting rows are made. */
  runId?: () => number;
  log: Logger;
}

/** One channel's stage and what its tracks still want. */
export interface FaceStage {
  operator: OperatorFunction<FrameResult, FrameResult>;
  /** The crops the faces of the channel's last detected frame still want (see {@link cropDemandOf}). */
  cropDemand(): CropDemand;
}

/** See the file header. */
export function createFaceStage(channel: string, stages: FaceStages, services: FaceStageServices): FaceStage {
  const { reid, demographics: demo } = stages;
  const { rows, stats, log } = services;
  const tracks = new Map<number, TrackState>();
  /** Tracks that ended within `reid.continueWithinMs`: a new track may still continue them. */
  const ended = new Map<number, TrackState>();
  let lastTracks: readonly Track[] = [];

  const sighting = (trackId: number, st: TrackState): void => {
    if (!st.identityId || !services.runId) return;
    rows.sighting({
      run_id: services.runId(),
      channel_id: channel,
      track_id: trackId,
      identity_id: st.identityId,
      first_seen: new Date(st.firstSeen),
      last_seen: new Date(st.lastSeen),
      similarity: Math.round(st.similarity * 1e4) / 1e4,
      samples: st.embeddings,
    });
  };

  const startEmbed = (trackId: number, st: TrackState, crop: Uint8Array, seq: number, quality: number) => {
    const { gallery, key } = services.gallery!;
    st.lastEmbedSeq = seq;
    st.bestQuality = Math.max(st.bestQuality, quality);
    st.pendingEmbed = services.embed!(crop)
      .then((vector) => {
        stats.embedded++;
        faceMetrics.embedded().inc({ channel });
        if (st.embeddings === 0 && reid!.continueWithinMs > 0) {
          const earlier = continuedTrack(
            st,
            vector,
            [...tracks, ...ended],
            gallery.threshold,
            reid!.continueWithinMs,
          );
          if (earlier) {
            st.continues = earlier[0];
            earlier[1].continuedBy = trackId;
            st.identityId = earlier[1].identityId;
          }
        }
        const match = gallery.match(vector, channel, st.identityId);
        if (match.created) stats.identitiesCreated++;
        learnEmbedding(st, vector);
        applyMatch(st, match, reid!);
        rows.identity(identityRow(match.identity, key));
        sighting(trackId, st);
      })
      .catch((err: Error) => {
        stats.embedFailed++;
        log.warn({ channel, track: trackId, err: err.message }, 'face embedding failed');
      })
      .finally(() => {
        st.pendingEmbed = undefined;
      });
  };

  const startClassify = (st: TrackState, track: Track, crop: Uint8Array, seq: number) => {
    st.lastClassifySeq = seq;
    const request: ClassifyRequest<ClassifyOwner> = {
      model: demo!.model,
      crop,
      // Fewest samples first; among equals the youngest track (fewest hits).
      priority: -st.smoother.samples * 1e6 - Math.min(track.hits, 999_999),
      cancelled: false,
      owner: { channel, state: st },
    };
    st.pendingClassify = request;
    services.requestClassification(request);
  };

  /** Takes a detection's crops (freed with the frame) and starts the requests its track is due for. */
  const observe = (r: FrameResult, det: DetectionWithCrops, track: Track | undefined): void => {
    const crops = det.crops;
    det.crops = undefined; // the crops are used below or not at all: free them with this frame
    if (!track || track.state !== 'confirmed') return;
    let st = tracks.get(track.id);
    if (!st) {
      st = newTrackState(track.firstSeen, r.capturedAt, demo);
      tracks.set(track.id, st);
    }
    st.lastSeen = r.capturedAt;
    if (!crops) return; // frames without pixels (see cropDemand) only keep the track's state current
    const quality = faceQuality(det);
    if (
      reid &&
      crops.embed &&
      !st.pendingEmbed &&
      faceEligible(det, reid) &&
      wantsEmbedding(st, reid) &&
      r.seq - st.lastEmbedSeq >= reid.everyFrames &&
      (st.embeddings === 0 || quality > embedQuality(st, reid))
    ) {
      startEmbed(track.id, st, new Uint8Array(crops.embed), r.seq, quality);
    }
    if (
      demo &&
      crops.classify &&
      !st.pendingClassify &&
      faceEligible(det, demo) &&
      wantsDemographics(st, demo) &&
      r.seq - st.lastClassifySeq >= demo.everyFrames
    ) {
      startClassify(st, track, new Uint8Array(crops.classify), r.seq);
    }
  };

  /** Folds an ended track's demographics into its identity and writes its last sighting. */
  const finishTrack = (trackId: number, st: TrackState): void => {
    const d = st.smoother.value();
    const identity = st.identityId ? services.gallery?.gallery.get(st.identityId) : undefined;
    if (identity && d) {
      identity.attributes = {
        ...identity.attributes,
        ...mergeDemographics(
          identity.attributes.samples ? (identity.attributes as unknown as Demographics) : undefined,
          d,
        ),
      };
      rows.identity(identityRow(identity, services.gallery!.key));
    }
    sighting(trackId, st);
  };

  /** Tracks ending here: wait for their embedding in flight (short), drop queued classifications. */
  const settleEnded = async (ended: readonly number[]): Promise<void> => {
    for (const id of ended) {
      const st = tracks.get(id);
      if (!st) continue;
      if (st.pendingClassify) {
        st.pendingClassify.cancelled = true;
        st.pendingClassify = undefined;
      }
      if (st.pendingEmbed) await st.pendingEmbed;
    }
  };

  const process = async (r: FrameResult): Promise<FrameResult> => {
    const live = new Map(r.tracking.tracks.map((t) => [t.id, t]));
    r.detections.forEach((det, i) => observe(r, det as DetectionWithCrops, live.get(r.tracking.trackIds[i])));
    const endedNow = r.tracking.events.filter((e) => e.type === 'ended').map((e) => e.track.id);
    await settleEnded(endedNow);

    const attributes: TrackAttributesById = { ...(r.attributes ?? {}) };
    const describe = (id: number) => {
      const st = tracks.get(id);
      if (st) attributes[id] = { ...(attributes[id] ?? {}), ...trackAttributes(st) };
    };
    for (const t of r.tracking.tracks) describe(t.id);
    for (const id of endedNow) {
      describe(id);
      const st = tracks.get(id);
      if (st) finishTrack(id, st);
      if (st?.embedding && reid && reid.continueWithinMs > 0) ended.set(id, st);
      tracks.delete(id);
    }
    for (const [id, st] of ended)
      if (r.capturedAt - st.lastSeen > (reid?.continueWithinMs ?? 0)) ended.delete(id);
    // A predicted frame (detectEvery > 1) has no faces: the demand stays that of the last detected frame,
    // or the next detected frame would never get crops.
    if (!r.predicted) lastTracks = r.tracking.tracks;
    return Object.keys(attributes).length > 0 ? { ...r, attributes } : r;
  };

  return {
    operator: (source) => source.pipe(concatMap(process)),
    cropDemand: () => cropDemandOf(lastTracks, tracks, stages),
  };
}
