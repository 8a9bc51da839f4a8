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

/** See the file header. */
export function createGalleries(
  settings: Pick<IdentitiesConfig, 'threshold' | 'maxWeight'>,
  stored: readonly StoredIdentity[] = [],
): GalleryOf {
  const galleries = new Map<string, IdentityGallery>();
  return (model) => {
    const key = modelKey(model);
    let gallery = galleries.get(key);
    if (!gallery) {
      gallery = new IdentityGallery({ threshold: settings.threshold, maxWeight: settings.maxWeight });
      gallery.load(stored.filter((i) => i.model === key));
      galleries.set(key, gallery);
    }
    return gallery;
  };
}
