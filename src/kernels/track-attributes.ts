/**
 * What the extension stages know about a track (identity, gender/age), as typed data carried on
 * `FrameResult.attributes` by track id. Kept with the kernels because the overlay drawing reads it too.
 */

/** The identity a track was matched to by Re-ID. */
export interface IdentityAttributes {
  /** Id of the identity in the gallery (and the `identities` table). */
  id: string;
  /** Best cosine similarity of the track's embeddings to the identity, rounded to 1e-4. */
  similarity: number;
  /** Embeddings made of the track so far. */
  embeddings: number;
}

/** Smoothed demographics of a track or identity. */
export interface Demographics {
  gender: 'male' | 'female';
  /** Mean probability of the winning gender over the voting samples (0.5..1). */
  genderConfidence: number;
  /** Age in years (trimmed mean), rounded to 0.1. */
  age: number;
  samples: number;
}

/** The attributes of one track; each part is set by the stage that knows it. */
export interface TrackAttributes {
  identity?: IdentityAttributes;
  demographics?: Demographics;
  /** A display name given by a custom extension stage (shown first in the live view's caption). */
  label?: string;
  /**
   * Re-ID continuation: the id of the earlier track of the same channel that this track continues (lost
   * shortly before this one started, embeddings alike at the gallery threshold or more).
   */
  continues?: number;
}

/** Attributes of the tracks of one frame, by track id. */
export type TrackAttributesById = Record<number, TrackAttributes>;
