/**
 * Real face images for the Re-ID and demographics tests, loaded without OpenCV: messi5.jpg and Megamind.avi
 * frames from the `samples` asset (Debian opencv-doc), astronaut.png from Debian python3-skimage (fetched
 * with apt-get download into the rxvision download cache on first use), plus transformed copies.
 */
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { assetPath } from '../../src/assets';
import type { FrameImage } from '../../src/kernels/frame';
import { skimageData } from '../../bench/lib/debian-images';

/** An image file as a BGR24 frame (via sharp). */
export async function loadImage(file: string): Promise<FrameImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const bgr = new Uint8Array(info.width * info.height * 3);
  for (let i = 0; i < bgr.length; i += 3) {
    bgr[i] = data[i + 2];
    bgr[i + 1] = data[i + 1];
    bgr[i + 2] = data[i];
  }
  return { width: info.width, height: info.height, data: bgr };
}

/** A sample image of the `samples` asset. */
export function sampleImage(file: string): Promise<FrameImage> {
  return loadImage(assetPath('samples', file));
}

/** Frame `index` (from 0) of a sample video, decoded with ffmpeg. */
export function sampleVideoFrame(file: string, index: number): FrameImage {
  const src = assetPath('samples', file);
  const probe = execFileSync('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height',
    '-of',
    'csv=p=0',
    src,
  ])
    .toString()
    .trim();
  const [width, height] = probe.split(',').map(Number);
  const data = execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      src,
      '-vf',
      `select=eq(n\\,${index})`,
      '-vframes',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'bgr24',
      '-',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  if (data.length !== width * height * 3) throw new Error(`${file}: no frame ${index}`);
  return { width, height, data: new Uint8Array(data) };
}

/** Path of python3-skimage's astronaut.png, fetched with apt-get download and unpacked on first use. */
export function astronautPath(): string {
  return skimageData('astronaut.png');
}

/** The frame resized (sharp, bilinear-ish lanczos) to `scale` times its size. */
export async function resized(frame: FrameImage, scale: number): Promise<FrameImage> {
  const width = Math.round(frame.width * scale);
  const height = Math.round(frame.height * scale);
  const data = await sharp(Buffer.from(frame.data), {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  })
    .resize(width, height)
    .raw()
    .toBuffer();
  return { width, height, data: new Uint8Array(data) };
}

/** The frame shifted by (dx, dy) pixels, the uncovered border filled with the edge colour. */
export function shifted(frame: FrameImage, dx: number, dy: number): FrameImage {
  const { width, height } = frame;
  const data = new Uint8Array(frame.data.length);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(height - 1, Math.max(0, y - dy));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(width - 1, Math.max(0, x - dx));
      data.set(frame.data.subarray((sy * width + sx) * 3, (sy * width + sx) * 3 + 3), (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

/** The frame with every channel multiplied by `gain` (brightness change), clamped. */
export function brightened(frame: FrameImage, gain: number): FrameImage {
  const data = new Uint8Array(frame.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.round(frame.data[i] * gain));
  return { ...frame, data };
}
