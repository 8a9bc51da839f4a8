/**
 * What the face stages keep per confirmed track: its identity and how settled it is, its age/gender
 * samples, and the requests in flight. Pure functions over that state; the stage ({@link ./face-stage})
 * decides when to call them.
 */
import type { DemographicsConfig } from '../../../config/schema/demographics';
import type { ReidConfig } from '../../../config/schema/reid';
import type { Detection } from '../../../kernels/frame';
import type { TrackAttributes } from '../../../kernels/track-attributes';
import { DemographicsSmoother } from '../demographics/smoothing';
import { dot, type Match } from './gallery';

/** Per-track state of the face stages. */
export interface TrackState {
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
  /** The age/gender request of the track waiting in the queue or being classified (cancelled if it ends). */
  pendingClassify?: { cancelled: boolean };
  firstSeen: number;
  lastSeen: number;
  /** L2-normalised mean of the track's embeddings (for Re-ID continuation). */
  embedding?: Float32Array;
  /** The earlier track this one continues, and the later track that continues this one. */
  continues?: number;
  continuedBy?: number;
}

/** The state of a track first seen confirmed at `now`. */
export function newTrackState(firstSeen: number, now: number, demographics?: DemographicsConfig): TrackState {
  return {
    similarity: 0,
    embeddings: 0,
    agreeing: 0,
    bestQuality: 0,
    lastEmbedSeq: -Infinity,
    smoother: new DemographicsSmoother(demographics?.maxSamples ?? 15),
    lastClassifySeq: -Infinity,
    firstSeen,
    lastSeen: now,
  };
}

/** The track still collects embeddings (not at maxSamples, not settled on its identity). */
export function wantsEmbedding(st: TrackState, reid: ReidConfig): boolean {
  return st.embeddings < reid.maxSamples && !(reid.settle && st.agreeing >= reid.settle.samples);
}

/** The track still collects age/gender samples. */
export function wantsDemographics(st: TrackState, demo: DemographicsConfig): boolean {
  return st.smoother.samples < demo.maxSamples && !(demo.settle && st.smoother.settled(demo.settle));
}

/**
 * Whether a face is large and confident enough for a stage; `slack` below 1 accepts faces within that
 * factor of the thresholds (crop demand asks for crops of faces that may cross them by the time they come).
 */
export function faceEligible(
  face: Pick<Detection, 'box' | 'score'>,
  stage: { minFaceSize: number; minScore: number },
  slack = 1,
): boolean {
  return face.box[2] - face.box[0] >= stage.minFaceSize * slack && face.score >= stage.minScore * slack;
}

/**
 * The least face quality the track's next embedding needs: any face until a first embedding is made or
 * under way, then a better one than the best so far by `qualityGain`.
 */
export function embedQuality(st: TrackState | undefined, reid: ReidConfig): number {
  return !st || (st.embeddings === 0 && !st.pendingEmbed) ? 0 : st.bestQuality * reid.qualityGain;
}

/**
 * Folds a gallery match into the track: the first embedding sets its identity; later ones confirm it (at
 * the settle similarity or more) or restart the agreement count.
 */
export function applyMatch(st: TrackState, match: Match, reid: ReidConfig): void {
  const same = match.identity.id === st.identityId;
  const settleAt = reid.settle ? reid.settle.similarity : Infinity;
  st.agreeing = st.embeddings === 0 || (same && match.similarity >= settleAt) ? st.agreeing + 1 : 0;
  st.identityId = match.identity.id;
  st.similarity = Math.max(same ? st.similarity : 0, match.similarity);
  st.embeddings++;
}

/** Folds an embedding into the track's mean embedding (both L2-normalised). */
export function learnEmbedding(st: TrackState, vector: Float32Array): void {
  const n = st.embeddings; // embeddings before this one
  const mean = st.embedding
    ? Float32Array.from(st.embedding, (v, i) => v * n + vector[i])
    : Float32Array.from(vector);
  let norm = 0;
  for (const v of mean) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  st.embedding = mean.map((v) => v / norm);
}

/**
 * The earlier track a new track continues: among `candidates` (tracks of the channel last seen at most
 * `withinMs` before `st` started, not continued yet), the one whose mean embedding is most similar to
 * `vector`, at `threshold` or more.
 */
export function continuedTrack(
  st: TrackState,
  vector: Float32Array,
  candidates: Iterable<[number, TrackState]>,
  threshold: number,
  withinMs: number,
): [number, TrackState] | undefined {
  let best: [number, TrackState] | undefined;
  let bestSimilarity = threshold;
  for (const [id, other] of candidates) {
    if (other === st || !other.embedding || other.continuedBy !== undefined) continue;
    const gap = st.firstSeen - other.lastSeen;
    if (!(gap >= 0 && gap <= withinMs)) continue;
    const similarity = dot(vector, other.embedding);
    if (similarity >= bestSimilarity) {
      best = [id, other];
      bestSimilarity = similarity;
    }
  }
  return best;
}

/** The track's attributes for `FrameResult.attributes`. */
export function trackAttributes(st: TrackState): TrackAttributes {
  const attributes: TrackAttributes = {};
  if (st.identityId) {
    attributes.identity = {
      id: st.identityId,
      similarity: Math.round(st.similarity * 1e4) / 1e4,
      embeddings: st.embeddings,
    };
  }
  const demographics = st.smoother.value();
  if (demographics) attributes.demographics = demographics;
  if (st.continues !== undefined) attributes.continues = st.continues;
  return attributes;
}
