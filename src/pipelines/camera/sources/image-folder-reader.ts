import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadSharp } from '../../../util/sharp';
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

/** Decodes an image to packed BGR24 at the given size (sharp: libvips on its own threads, off the event loop). */
async function decodeBgr(file: string, size?: { width: number; height: number }) {
  let img = loadSharp()(file, { failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb');
  if (size) img = img.resize(size.width, size.height, { fit: 'fill' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const bgr = new Uint8Array(info.width * info.height * 3);
  for (let i = 0; i < bgr.length; i += 3) {
    bgr[i] = data[i + 2];
    bgr[i + 1] = data[i + 1];
    bgr[i + 2] = data[i];
  }
  return { bgr, width: info.width, height: info.height };
}

/**
 * An image sequence: the folder's images in name order (natural sort, so frame2 < frame10). Images of a
 * different size than the first are resized to it, so downstream sees one geometry; a corrupt image is
 * skipped (a dropped frame, not the end of the sequence).
 */
export async function openImageFolderReader(spec: SourceSpec): Promise<RawFrameReader> {
  const names = (await readdir(spec.uri))
    .filter((n) => IMAGE_EXTENSIONS.has(path.extname(n).toLowerCase()))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  let next = 0;
  let first: Awaited<ReturnType<typeof decodeBgr>> | undefined;
  while (!first && next < names.length)
    first = await decodeBgr(path.join(spec.uri, names[next++])).catch(() => undefined);
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
      while (next < names.length) {
        const decoded = await decodeBgr(path.join(spec.uri, names[next++]), size).catch(() => undefined);
        if (decoded) return { data: decoded.bgr };
      }
      return null;
    },
    async close() {
      next = names.length;
      pending = undefined;
    },
  };
}
