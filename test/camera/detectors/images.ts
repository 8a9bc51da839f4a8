import { assetPath } from '../../../src/assets';
import type { FrameImage } from '../../../src/kernels/frame';
import { loadOpenCV } from '../../../src/util/opencv';

type Mat = ReturnType<ReturnType<typeof loadOpenCV>['imread']>;

/** A BGR24 frame from an OpenCV Mat. */
export function matToFrame(mat: Mat): FrameImage {
  return { width: mat.cols, height: mat.rows, data: new Uint8Array(mat.getData()) };
}

/** A sample image from the `samples` asset as a frame. */
export function sampleImage(file: string): FrameImage {
  const cv = loadOpenCV();
  return matToFrame(cv.imread(assetPath('samples', file)));
}

/** Frame number `index` (from 0) of a sample video, read with OpenCV VideoCapture. */
export function sampleVideoFrame(file: string, index: number): FrameImage {
  const cv = loadOpenCV();
  const cap = new cv.VideoCapture(assetPath('samples', file));
  try {
    let mat = cap.read();
    for (let i = 0; i < index; i++) mat = cap.read();
    if (mat.empty) throw new Error(`${file}: no frame ${index}`);
    return matToFrame(mat);
  } finally {
    cap.release();
  }
}

/** The frame resized to width x height (OpenCV, area/linear interpolation). */
export function resizeFrame(frame: FrameImage, width: number, height: number): FrameImage {
  const cv = loadOpenCV();
  const mat = new cv.Mat(Buffer.from(frame.data), frame.height, frame.width, cv.CV_8UC3);
  const interpolation = width < frame.width ? cv.INTER_AREA : cv.INTER_LINEAR;
  return matToFrame(mat.resize(height, width, 0, 0, interpolation));
}

/** A frame of one flat BGR colour. */
export function plainFrame(width: number, height: number, bgr: [number, number, number]): FrameImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(bgr, i);
  return { width, height, data };
}

/** A copy of the frame with a rectangle painted over (hides a face). */
export function paintRect(
  frame: FrameImage,
  x: number,
  y: number,
  w: number,
  h: number,
  v = 128,
): FrameImage {
  const data = new Uint8Array(frame.data);
  for (let row = Math.max(0, y); row < Math.min(frame.height, y + h); row++) {
    data.fill(
      v,
      (row * frame.width + Math.max(0, x)) * 3,
      (row * frame.width + Math.min(frame.width, x + w)) * 3,
    );
  }
  return { ...frame, data };
}
