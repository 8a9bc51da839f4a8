/** The rows the face stages write (identities and sightings), and the streams they travel on to the sinks. */
import { Subject, type Observable } from 'rxjs';
import type { Identity } from './gallery';

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

/** An identity as a row (embedding rounded to 1e-6, kept as JSON text). */
export function identityRow(identity: Identity, model: string): IdentityRow {
  return {
    id: identity.id,
    model,
    embedding: JSON.stringify(Array.from(identity.embedding, (v) => Math.round(v * 1e6) / 1e6)),
    samples: identity.samples,
    attributes: JSON.stringify(identity.attributes),
    created_at: new Date(identity.createdAt),
    last_seen_at: new Date(identity.lastSeenAt),
    last_channel_id: identity.lastChannel,
  };
}

/** The identity and sighting rows of a run, as streams for the sinks. */
export interface FaceRowStreams {
  identityRows$: Observable<IdentityRow>;
  sightingRows$: Observable<SightingRow>;
  identity(row: IdentityRow): void;
  sighting(row: SightingRow): void;
  /** Completes both streams. */
  complete(): void;
}

/** See {@link FaceRowStreams}. */
export function createFaceRowStreams(): FaceRowStreams {
  const identities = new Subject<IdentityRow>();
  const sightings = new Subject<SightingRow>();
  return {
    identityRows$: identities.asObservable(),
    sightingRows$: sightings.asObservable(),
    identity: (row) => identities.next(row),
    sighting: (row) => sightings.next(row),
    complete() {
      identities.complete();
      sightings.complete();
    },
  };
}
