/**
 * Builds test frames with faces of known size and place: a face picture scaled (area averaging) and pasted
 * onto a background frame. Pure TypeScript on BGR24 buffers, usable from benches and tests.
 */
import type { Box, FrameImage } from '../../src/kernels/frame';

/** A [x, y, width, height] region of a frame. */
export type Region = [x: number, y: number, width: number, height: number];

/**
 * Scales `region` of `source` to `width` x `height` by area averaging (each output pixel is the mean of the
 * source pixels it covers, fractional edges weighted), or bilinear sampling when enlarging.
 */
export function scaleRegion(source: FrameImage, region: Region, width: number, height: number): FrameImage {
  const [rx, ry, rw, rh] = region;
  const out = new Uint8Array(width * height * 3);
  const sx = rw / width;
  const sy = rh / height;
  for (let y = 0; y < height; y++) {
    const y0 = ry + y * sy;
    const y1 = y0 + Math.max(sy, 1);
    for (let x = 0; x < width; x++) {
      const x0 = rx + x * sx;
      const x1 = x0 + Math.max(sx, 1);
      const sum = [0, 0, 0];
      let weight = 0;
      for (let py = Math.floor(y0); py < Math.ceil(y1) && py < source.height; py++) {
        const wy = Math.min(py + 1, y1) - Math.max(py, y0);
        for (let px = Math.floor(x0); px < Math.ceil(x1) && px < source.width; px++) {
          const w = wy * (Math.min(px + 1, x1) - Math.max(px, x0));
          const i = (py * source.width + px) * 3;
          sum[0] += source.data[i] * w;
          sum[1] += source.data[i + 1] * w;
          sum[2] += source.data[i + 2] * w;
          weight += w;
        }
      }
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = weight > 0 ? Math.round(sum[c] / weight) : 0;
    }
  }
  return { width, height, data: out };
}

/**
 * A copy of `background` with `face` (the face region of `source`, square or not) scaled so its width is
 * `size` pixels and pasted with its top-left corner at (x, y). Returns the frame and the pasted face's box.
 */
export function pasteFace(
  background: FrameImage,
  source: FrameImage,
  face: Region,
  size: number,
  x: number,
  y: number,
): { frame: FrameImage; box: Box } {
  const height = Math.round((size * face[3]) / face[2]);
  const patch = scaleRegion(source, face, size, height);
  const data = new Uint8Array(background.data);
  for (let row = 0; row < height && y + row < background.height; row++) {
    const width = Math.min(size, background.width - x);
    data.set(
      patch.data.subarray(row * size * 3, (row * size + width) * 3),
      ((y + row) * background.width + x) * 3,
    );
  }
  return {
    frame: { width: background.width, height: background.height, data },
    box: [x, y, x + size, y + height],
  };
}

/** `frame` scaled to `width` x `height` (a background at another resolution). */
export function scaleFrame(frame: FrameImage, width: number, height: number): FrameImage {
  return scaleRegion(frame, [0, 0, frame.width, frame.height], width, height);
}
