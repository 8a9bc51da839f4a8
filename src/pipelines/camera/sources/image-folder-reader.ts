import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../../config/schema/channel';
import type { SkippedFile } from '../../../kernels/features/types';
import type { DecodeBgrOptions, DecodedBgr } from '../../../kernels/image-input';
import { counter } from '../../../metrics/registry';
import { hashPool } from '../../../pools/kinds';
import { logger } from '../../../util/logger';
import { SourceError, type RawFrameReader } from './raw-reader';
import type { SourceSpec } from './source-uri';

const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.bmp',
  '.tif',
  '.tiff',
  '.webp',
  '.gif',
  '.avif',
]);

/** Decodes one image file to BGR24 (default: the shared `hash` worker pool). */
export type ImageDecodeFn = (file: string, options: DecodeBgrOptions) => Promise<DecodedBgr>;

/** Settings of {@link openImageFolderReader}. */
export interface ImageFolderReaderOptions {
  /** The channel (labels the skip log lines and the skip counter). */
  channel?: string;
  /** Images with more pixels than this are skipped from their header (default {@link DEFAULT_MAX_IMAGE_PIXELS}). */
  maxPixels?: number;
  /** Called for every image skipped, with its typed reason (after the warning and the counter). */
  onSkip?: (skipped: SkippedFile) => void;
  /** Overrides the decoder (default: the `hash` worker pool, so nothing decodes on the main thread). */
  decode?: ImageDecodeFn;
}

const skippedCounter = () =>
  counter('rxvision_image_source_skipped_total', 'Images of image-folder sources skipped, by reason', [
    'channel',
    'reason',
  ]);

/** The default decoder: the `hash` pool's `decodeFrame` (sharp/libvips in a worker thread). */
function poolDecode(file: string, options: DecodeBgrOptions): Promise<DecodedBgr> {
  return hashPool().run('decodeFrame', [file, options], { identity: file });
}

/**
 * An image sequence: the folder's images in name order (natural sort, so frame2 < frame10). Images of a
 * different size than the first are resized to it, so downstream sees one geometry. Decoding happens in a
 * worker, within a pixel limit checked from the header (a decompression bomb costs a header read). An
 * image that cannot be used (corrupt, truncated, empty, not an image, over the limit, or its worker died
 * or hung on it) is reported with its reason and skipped: a dropped frame, not the end of the sequence.
 */
export async function openImageFolderReader(
  spec: SourceSpec,
  options: ImageFolderReaderOptions = {},
): Promise<RawFrameReader> {
  const names = (await readdir(spec.uri))
    .filter((n) => IMAGE_EXTENSIONS.has(path.extname(n).toLowerCase()))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  const decode = options.decode ?? poolDecode;
  const channel = options.channel ?? spec.display;

  const report = (skipped: SkippedFile) => {
    logger().warn(
      { channel, file: skipped.path, reason: skipped.reason, detail: skipped.detail },
      `image skipped (${skipped.reason})`,
    );
    skippedCounter().inc({ channel, reason: skipped.reason });
    options.onSkip?.(skipped);
  };

  let closed = false;
  let next = 0;
  /** The next usable image of the folder (reporting the ones skipped on the way), or undefined at its end. */
  const nextImage = async (size?: { width: number; height: number }) => {
    while (!closed && next < names.length) {
      const file = path.join(spec.uri, names[next++]);
      let decoded: DecodedBgr;
      try {
        decoded = await decode(file, { maxPixels, size });
      } catch (err) {
        // The worker died or hung on this file (TaskError) : the file is skipped, the channel goes on.
        decoded = { ok: false, skipped: { path: file, reason: 'corrupt', detail: (err as Error).message } };
      }
      if (decoded.ok) return decoded;
      report(decoded.skipped);
    }
    return undefined;
  };

  const first = await nextImage();
  if (!first) throw new SourceError(`${spec.display}: no readable images in folder`, true);
  const size = { width: first.width, height: first.height };
  let pending: Uint8Array | undefined = first.bgr;
  return {
    info: { ...size, frames: names.length },
    fullEvery: 1,
    async read() {
      if (pending) {
        const frame = pending;
        pending = undefined;
        return { data: frame };
      }
      const decoded = await nextImage(size);
      return decoded ? { data: decoded.bgr } : null;
    },
    async close() {
      closed = true;
      next = names.length;
      pending = undefined;
    },
  };
}
