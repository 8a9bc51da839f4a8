/**
 * The identity gallery shared by every channel of a process: L2-normalised embeddings compared by cosine
 * similarity (a dot product). A face matching no identity at `threshold` or above starts a new one; a match
 * folds the sample into the identity's mean embedding (its weight capped, so an identity keeps adapting).
 * Loaded from the database at start, so identities survive restarts.
 */
import { randomUUID } from 'node:crypto';

/** One known person. */
export interface Identity {
  id: string;
  /** L2-normalised mean of the matched embeddings. */
  embedding: Float32Array;
  samples: number;
  createdAt: number;
  lastSeenAt: number;
  lastChannel: string | null;
  /** Aggregated demographics and other facts (gender, age...). */
  attributes: Record<string, unknown>;
}

/** Result of {@link IdentityGallery.match}. */
export interface Match {
  identity: Identity;
  similarity: number;
  created: boolean;
}

/** Options of {@link IdentityGallery}. */
export interface GalleryOptions {
  /** Cosine similarity needed to match (0..1). */
  threshold: number;
  /** Weight cap of the running mean (default 50 samples). */
  maxWeight?: number;
  now?: () => number;
  newId?: () => string;
}

/** Dot product of two equally long vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function normalise(v: Float32Array): Float32Array {
  const n = Math.sqrt(dot(v, v));
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

/** See the file header. */
export class IdentityGallery {
  private readonly identities = new Map<string, Identity>();
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly options: GalleryOptions) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
  }

  /** Cosine similarity needed to match. */
  get threshold(): number {
    return this.options.threshold;
  }

  get size(): number {
    return this.identities.size;
  }

  /** Adds identities loaded from storage. */
  load(identities: Iterable<Identity>): void {
    for (const identity of identities) this.identities.set(identity.id, identity);
  }

  get(id: string): Identity | undefined {
    return this.identities.get(id);
  }

  all(): Identity[] {
    return [...this.identities.values()];
  }

  /** The most similar identity, if any (no threshold applied). */
  nearest(embedding: Float32Array, exclude?: string): { identity: Identity; similarity: number } | undefined {
    let best: { identity: Identity; similarity: number } | undefined;
    for (const identity of this.identities.values()) {
      if (identity.id === exclude) continue;
      const similarity = dot(identity.embedding, embedding);
      if (!best || similarity > best.similarity) best = { identity, similarity };
    }
    return best;
  }

  /**
   * Matches an embedding: to `preferred` (the track's identity) when it still matches, else the nearest
   * identity at or above the threshold, else a new identity. The matched identity learns the sample.
   */
  match(embedding: Float32Array, channel: string, preferred?: string): Match {
    const now = this.now();
    const current = preferred ? this.identities.get(preferred) : undefined;
    let chosen: { identity: Identity; similarity: number } | undefined;
    if (current) {
      const similarity = dot(current.embedding, embedding);
      const other = this.nearest(embedding, current.id);
      chosen =
        other && other.similarity >= this.options.threshold && other.similarity > similarity + 0.05
          ? other
          : { identity: current, similarity };
    } else {
      const nearest = this.nearest(embedding);
      if (nearest && nearest.similarity >= this.options.threshold) chosen = nearest;
    }
    if (!chosen) {
      const identity: Identity = {
        id: this.newId(),
        embedding: normalise(Float32Array.from(embedding)),
        samples: 1,
        createdAt: now,
        lastSeenAt: now,
        lastChannel: channel,
        attributes: {},
      };
      this.identities.set(identity.id, identity);
      return { identity, similarity: 1, created: true };
    }
    const { identity } = chosen;
    if (chosen.similarity >= this.options.threshold) this.learn(identity, embedding);
    identity.lastSeenAt = now;
    identity.lastChannel = channel;
    return { identity, similarity: chosen.similarity, created: false };
  }

  private learn(identity: Identity, embedding: Float32Array): void {
    const w = Math.min(identity.samples, this.options.maxWeight ?? 50);
    const mean = identity.embedding;
    for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] * w + embedding[i]) / (w + 1);
    normalise(mean);
    identity.samples++;
  }
}
