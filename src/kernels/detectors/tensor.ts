/**
 * Tensor conversion: packed BGR24 bytes (a decoder-resized picture, or a frame region resampled on the
 * way) into a model's float input, in its layout, channel order and value range.
 */
import { assertFrameImage, type DetectorFrame, type FrameImage, type InputLayout } from '../frame';
import {
  layoutOf,
  planLetterbox,
  sameLayout,
  type InputTransform,
  type LetterboxAlign,
  type LetterboxPlan,
} from './letterbox';
import { resampleRows, toByte } from './resample';
import type { Roi } from './types';

/** How packed BGR bytes become a float tensor: layout, channel order and value = byte * scale + offset. */
export interface TensorFormat {
  layout: 'nhwc' | 'nchw';
  channels: 'rgb' | 'bgr';
  scale: number;
  offset: number;
}

/** Source channel (0 = B, 1 = G, 2 = R) of each output channel. */
function channelOrder(format: TensorFormat): [number, number, number] {
  return format.channels === 'rgb' ? [2, 1, 0] : [0, 1, 2];
}

/** byte -> byte * scale + offset for the last formats seen (a model keeps one format). */
const valueTables = new Map<string, Float32Array>();

function valueTable(scale: number, offset: number): Float32Array {
  const key = `${scale}:${offset}`;
  let table = valueTables.get(key);
  if (!table) {
    table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = v * scale + offset;
    if (valueTables.size >= 8) valueTables.clear();
    valueTables.set(key, table);
  }
  return table;
}

/**
 * Converts packed BGR24 bytes into a float32 tensor buffer in the given format. A 256-entry table replaces
 * the multiply-add, and the loop reads fixed offsets: this runs on every decoder-resized frame.
 */
export function toTensorData(
  bgr: Uint8Array,
  width: number,
  height: number,
  format: TensorFormat,
): Float32Array {
  const n = width * height;
  const out = new Float32Array(n * 3);
  const table = valueTable(format.scale, format.offset);
  const [c0, c1, c2] = channelOrder(format);
  if (format.layout === 'nhwc') {
    for (let p = 0; p < n * 3; p += 3) {
      out[p] = table[bgr[p + c0]];
      out[p + 1] = table[bgr[p + c1]];
      out[p + 2] = table[bgr[p + c2]];
    }
  } else {
    const o1 = n;
    const o2 = 2 * n;
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      out[i] = table[bgr[p + c0]];
      out[o1 + i] = table[bgr[p + c1]];
      out[o2 + i] = table[bgr[p + c2]];
    }
  }
  return out;
}

/** A frame region letterboxed straight into a model's float input tensor, with the way back. */
export interface LetterboxedTensor {
  /** width * height * 3 floats in the requested layout and channel order. */
  data: Float32Array;
  width: number;
  height: number;
  transform: InputTransform;
  /** The clipped region of the frame that was used, [x, y, w, h]. */
  region: Roi;
}

/**
 * {@link letterbox} followed by {@link toTensorData} in one pass: each resampled row is rounded to bytes
 * (so the values equal the two-step result exactly) and written as normalised floats, without the
 * intermediate BGR image. Padding gets the value of a black pixel. Pass `out` (width * height * 3 floats)
 * to reuse a buffer, only when no earlier inference may still be reading it.
 */
export function letterboxTensor(
  image: FrameImage,
  inW: number,
  inH: number,
  format: TensorFormat,
  options: { roi?: Roi; align?: LetterboxAlign; out?: Float32Array } = {},
): LetterboxedTensor | undefined {
  const g = planLetterbox(image.width, image.height, layoutOf(inW, inH, options));
  if (!g) return undefined;
  const n = inW * inH;
  const out = options.out ?? new Float32Array(n * 3);
  if (out.length !== n * 3) {
    throw new Error(`letterboxTensor: out has ${out.length} floats, expected ${n * 3} (${inW}x${inH}x3)`);
  }
  const { scale, offset } = format;
  if (offset !== 0 || options.out) fillPadding(out, inW, inH, g, offset);
  const [c0, c1, c2] = channelOrder(format);
  const dstW = g.resizedW;
  if (format.layout === 'nhwc') {
    resampleRows(image, g.region, dstW, g.resizedH, (y, row) => {
      let o = ((g.padY + y) * inW + g.padX) * 3;
      for (let x = 0; x < dstW * 3; x += 3, o += 3) {
        out[o] = toByte(row[x + c0]) * scale + offset;
        out[o + 1] = toByte(row[x + c1]) * scale + offset;
        out[o + 2] = toByte(row[x + c2]) * scale + offset;
      }
    });
  } else {
    resampleRows(image, g.region, dstW, g.resizedH, (y, row) => {
      let o = (g.padY + y) * inW + g.padX;
      for (let x = 0; x < dstW * 3; x += 3, o++) {
        out[o] = toByte(row[x + c0]) * scale + offset;
        out[n + o] = toByte(row[x + c1]) * scale + offset;
        out[2 * n + o] = toByte(row[x + c2]) * scale + offset;
      }
    });
  }
  return { data: out, width: inW, height: inH, transform: g.transform, region: g.region };
}

/** Sets every padding value (outside the resized content) to `value`; layout does not matter for this. */
function fillPadding(out: Float32Array, inW: number, inH: number, g: LetterboxPlan, value: number): void {
  if (g.resizedW === inW && g.resizedH === inH) return;
  // Same value in every channel, so filling whole pixels' worth of floats works for NHWC and NCHW alike:
  // fill everything, the content rows are overwritten afterwards.
  out.fill(value);
}

/**
 * A detector's float input from whatever the frame carries: the decoder-resized picture when it was made
 * for this very layout (only a byte-to-float conversion left), else the full frame letterboxed here.
 * Undefined when the ROI misses the frame.
 */
export function modelInput(
  frame: DetectorFrame,
  layout: InputLayout,
  format: TensorFormat,
): LetterboxedTensor | undefined {
  const resized = frame.resized;
  if (resized && sameLayout(resized, layout)) {
    const plan = planLetterbox(frame.width, frame.height, layout);
    if (!plan) return undefined;
    const expected = layout.width * layout.height * 3;
    if (resized.data.byteLength !== expected) {
      throw new Error(
        `resized input: data has ${resized.data.byteLength} bytes, expected ${expected} (BGR24 ${layout.width}x${layout.height})`,
      );
    }
    return {
      data: toTensorData(resized.data, layout.width, layout.height, format),
      width: layout.width,
      height: layout.height,
      transform: plan.transform,
      region: plan.region,
    };
  }
  if (!frame.data) {
    const got = resized ? `${resized.width}x${resized.height} ${resized.align}` : 'nothing';
    throw new Error(
      `detector input ${layout.width}x${layout.height} ${layout.align}: the frame has no full picture and its decoder-resized input is ${got}`,
    );
  }
  assertFrameImage(frame, 'frame');
  return letterboxTensor(frame, layout.width, layout.height, format, {
    roi: layout.roi,
    align: layout.align,
  });
}
