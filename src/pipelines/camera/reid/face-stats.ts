/** Counters of the face stages of a run, kept in the run's stats and exported as metrics. */
import { counter } from '../../../metrics/registry';

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

/** All counters at zero. */
export function emptyFaceStats(): FaceAnalysisStats {
  return {
    embedded: 0,
    classified: 0,
    classifyDropped: 0,
    classifyCancelled: 0,
    embedFailed: 0,
    classifyFailed: 0,
    identitiesCreated: 0,
  };
}

/** The Prometheus counters behind {@link FaceAnalysisStats} (registered on first use). */
export const faceMetrics = {
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
