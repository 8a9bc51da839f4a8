/**
 * Image files in, safely: the checks every decode of a file goes through (regular, readable, non-empty, a
 * header with dimensions within a pixel limit, checked before any pixel is decoded, so a decompression
 * bomb costs a header read) and a decode to packed BGR24 for the camera's image-folder sources. Runs in
 * the `hash` worker (sharp/libvips); bad files come back as typed skip reasons, never as exceptions.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import type { SkipReason, SkippedFile } from './features/types';

/** Maps a sharp/libvips error message to a skip reason. */
export function classifyDecodeError(message: string): SkipReason {
  if (/pixel limit/i.test(message)) return 'too-many-pixels';
  if (/unsupported image format/i.test(message)) return 'not-an-image';
  if (/input file is missing|permission denied|EACCES|ENOENT/i.test(message)) return 'unreadable';
  return 'corrupt';
}

/** What the header of an accepted image says (width and height as displayed, after EXIF orientation). */
export interface ImageHeader {
  width: number;
  height: number;
  format: string;
}

/** An accepted file, or why it was refused. */
export type InspectedImage = { ok: true; header: ImageHeader } | { ok: false; skipped: SkippedFile };

const refuse = (path: string, reason: SkipReason, detail: string): { ok: false; skipped: SkippedFile } => ({
  ok: false,
  skipped: { path, reason, detail },
});

/** A sharp instance on `file` that refuses more than `maxPixels` and fails on truncated or broken data. */
export function openImage(file: string, maxPixels: number): Sharp {
  return sharp(file, { limitInputPixels: maxPixels, failOn: 'error' });
}

/**
 * Checks `file` before decoding: a regular, readable, non-empty file with image dimensions in its header,
 * at most `maxPixels` of them. Reads the header only.
 */
export async function inspectImageFile(file: string, maxPixels: number): Promise<InspectedImage> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return refuse(file, 'unreadable', `${file}: not a regular file`);
    if (st.size === 0) return refuse(file, 'empty-file', `${file}: zero bytes`);
    await fs.access(file, fsConstants.R_OK);
  } catch (err) {
    return refuse(file, 'unreadable', `${file}: ${(err as Error).message}`);
  }
  try {
    const meta = await openImage(file, maxPixels).metadata();
    if (!meta.width || !meta.height) return refuse(file, 'corrupt', `${file}: no image dimensions in header`);
    if (meta.width * meta.height > maxPixels) {
      return refuse(
        file,
        'too-many-pixels',
        `${file}: ${meta.width}x${meta.height} exceeds the pixel limit ${maxPixels}`,
      );
    }
    const swap = (meta.orientation ?? 1) >= 5;
    return {
      ok: true,
      header: {
        width: swap ? meta.height : meta.width,
        height: swap ? meta.width : meta.height,
        format: meta.format ?? 'unknown',
      },
    };
  } catch (err) {
    const message = (err as Error).message;
    const reason = classifyDecodeError(message);
    const limit = reason === 'too-many-pixels' ? ` (limit ${maxPixels})` : '';
    return refuse(file, reason, `${file}: ${message}${limit}`);
  }
}

/** Settings of {@link decodeImageBgr}. */
export interface DecodeBgrOptions {
  /** Files with more pixels than this are refused from their header. */
  maxPixels: number;
  /** Resize to exactly this size (an image sequence keeps the geometry of its first image). */
  size?: { width: number; height: number };
}

/** A decoded picture (`bgr`: width * height * 3 bytes, its own buffer), or why the file was skipped. */
export type DecodedBgr =
  { ok: true; bgr: Uint8Array; width: number; height: number } | { ok: false; skipped: SkippedFile };

/** Decodes an image file to packed BGR24 (EXIF orientation applied, alpha dropped), within the pixel limit. */
export async function decodeImageBgr(file: string, options: DecodeBgrOptions): Promise<DecodedBgr> {
  const inspected = await inspectImageFile(file, options.maxPixels);
  if (!inspected.ok) return inspected;
  try {
    let img = openImage(file, options.maxPixels).rotate().removeAlpha().toColourspace('srgb');
    if (options.size) img = img.resize(options.size.width, options.size.height, { fit: 'fill' });
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
    const bgr = new Uint8Array(info.width * info.height * 3);
    for (let i = 0; i < bgr.length; i += 3) {
      bgr[i] = data[i + 2];
      bgr[i + 1] = data[i + 1];
      bgr[i + 2] = data[i];
    }
    return { ok: true, bgr, width: info.width, height: info.height };
  } catch (err) {
    const message = (err as Error).message;
    return refuse(file, classifyDecodeError(message), `${file}: ${message}`);
  }
}
