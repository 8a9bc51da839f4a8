/** One identity gallery per embedding model, created on first use and seeded with the stored identities. */
import type { EmbedderConfig } from '../../../config/schema/face-models';
import type { IdentitiesConfig } from '../../../config/schema/reid';
import { IdentityGallery, type Identity } from './gallery';

/** A stored identity with the key of the model that embedded it (see {@link modelKey}). */
export type StoredIdentity = Identity & { model: string };

/** Gallery key of an embedding model: identities of different models never compare. */
export function modelKey(model: EmbedderConfig): string {
  return model.type === 'face-api' ? 'face-api/face_recognition_model' : `onnx:${model.path}`;
}

/** The gallery of a model: the same one for every channel using that model. */
export type GalleryOf = (model: EmbedderConfig) => IdentityGallery;

/** The galleries of a run, which can also adopt identities other processes stored (cluster mode). */
export interface Galleries extends GalleryOf {
  /** Adds the identities no gallery knows yet (others are left as they are); returns how many were new. */
  adopt(identities: readonly StoredIdentity[]): number;
}

/** See the file header. */
export function createGalleries(
  settings: Pick<IdentitiesConfig, 'threshold' | 'maxWeight'>,
  loaded: readonly StoredIdentity[] = [],
): Galleries {
  const galleries = new Map<string, IdentityGallery>();
  const stored = [...loaded];
  const galleryOf: GalleryOf = (model) => {
    const key = modelKey(model);
    let gallery = galleries.get(key);
    if (!gallery) {
      gallery = new IdentityGallery({ threshold: settings.threshold, maxWeight: settings.maxWeight });
      gallery.load(stored.filter((i) => i.model === key));
      galleries.set(key, gallery);
    }
    return gallery;
  };
  const known = new Set(stored.map((i) => i.id));
  const adopt = (identities: readonly StoredIdentity[]): number => {
    const fresh = identities.filter(
      (i) => !known.has(i.id) && ![...galleries.values()].some((g) => g.get(i.id)),
    );
    for (const i of fresh) {
      known.add(i.id);
      stored.push(i); // for galleries created later
      galleries.get(i.model)?.load([i]);
    }
    return fresh.length;
  };
  return Object.assign(galleryOf, { adopt });
}
