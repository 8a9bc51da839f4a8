/**
 * The `encode` worker: turns a BGR24 frame and its overlay items into an annotated JPEG with sharp
 * (libvips). Used by the live view only while someone watches; no OpenCV here (it works in one thread
 * per process only, and that thread belongs to the detect workers).
 */
import sharp from 'sharp';
import { exposeWorker, transferResult } from '../src/pools/expose';
import { drawRects, outputSize, overlayLayout, textSvg, type OverlayItem } from '../src/kernels/overlay';

// One worker per pool slot: keep libvips to one thread and no cache (every frame is new).
sharp.concurrency(1);
sharp.cache(false);

/** Encoding settings. */
export interface EncodeOptions {
  /** JPEG quality 1-100. */
  quality: number;
  /** Frames wider than this are scaled down first. */
  maxWidth: number;
  /** A line drawn at the bottom (channel, frame number). */
  footer?: string;
}

/** An encoded frame; `jpeg` is transferred, not copied. */
export interface EncodedFrame {
  jpeg: ArrayBuffer;
  width: number;
  height: number;
}

/** BGR24 -> RGB24 in place (sharp's raw input is RGB). */
function bgrToRgbInPlace(pixels: Uint8Array): void {
  for (let i = 0; i + 2 < pixels.length; i += 3) {
    const b = pixels[i];
    pixels[i] = pixels[i + 2];
    pixels[i + 2] = b;
  }
}

const api = {
  /** Annotated JPEG of one frame. `bgr` is width * height * 3 bytes (transferred by the caller). */
  async annotate(
    width: number,
    height: number,
    bgr: ArrayBuffer,
    items: OverlayItem[],
    options: EncodeOptions,
  ): Promise<EncodedFrame> {
    const pixels = new Uint8Array(bgr);
    if (pixels.byteLength !== width * height * 3) {
      throw new Error(
        `encode: frame has ${pixels.byteLength} bytes, expected ${width * height * 3} (${width}x${height} BGR)`,
      );
    }
    bgrToRgbInPlace(pixels);
    const out = outputSize(width, height, options.maxWidth);
    // Boxes and label plates are drawn straight into the pixels; only the texts go through librsvg, as
    // small images (compositing a frame-sized SVG cost several times the JPEG encoding itself).
    const rgb =
      out.width === width
        ? pixels
        : new Uint8Array(
            await sharp(pixels, { raw: { width, height, channels: 3 } })
              .resize(out.width, out.height, { kernel: 'linear' })
              .raw()
              .toBuffer(),
          );
    const layout = overlayLayout(items, { width, height }, out, options.footer);
    drawRects(rgb, out.width, out.height, layout.rects);
    let image = sharp(rgb, { raw: { width: out.width, height: out.height, channels: 3 } });
    if (layout.texts.length > 0) {
      image = image.composite(
        layout.texts.map((t) => ({ input: Buffer.from(textSvg(t)), top: t.y, left: t.x })),
      );
    }
    const jpegBuffer = await image.jpeg({ quality: options.quality }).toBuffer();
    const jpeg = jpegBuffer.buffer.slice(
      jpegBuffer.byteOffset,
      jpegBuffer.byteOffset + jpegBuffer.byteLength,
    );
    return transferResult({ jpeg, width: out.width, height: out.height }, [jpeg]);
  },
};

export type EncodeWorkerApi = typeof api;

exposeWorker(api);
