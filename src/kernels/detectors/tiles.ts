/**
 * Detection on tiles, for high-resolution streams: a 1080p or 4K frame letterboxed to a 128 or 256 px model
 * input shrinks a 40 px face to 5-10 px, below what the model finds. A tiled detector cuts the frame (or
 * ROI) into overlapping square tiles, runs the inner detector on each (and, by default, once on the whole
 * frame for faces larger than a tile's overlap), maps the boxes back and merges them with NMS. All of it
 * runs inside one detect call, so a frame's tiles share one worker round trip.
 */
import type { Detection, DetectorFrame, FrameImage } from '../frame';
import { assertFrameImage } from '../frame';
import { clipRoi } from './letterbox';
import { hardNms } from './nms';
import type { DetectorSpec, TileOptions } from './spec';
import type { FaceDetector, Roi } from './types';

export type { TileOptions } from './spec';

/** Tile defaults: 512 px tiles overlapping by a quarter, plus a whole-frame pass. */
export const TILE_DEFAULTS: Required<TileOptions> = { size: 512, overlap: 0.25, wholeFrame: true };

/**
 * Start offsets of tiles of `size` covering `length` with at least `overlap` (fraction) shared between
 * neighbours, spread evenly so the first starts at 0 and the last ends at `length`.
 */
function tileStarts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  const step = size * (1 - overlap);
  const count = Math.ceil((length - size) / step) + 1;
  return Array.from({ length: count }, (_, i) => Math.round((i * (length - size)) / (count - 1)));
}

/** The tiles ([x, y, width, height] in frame pixels) that cover `region` (default: the whole frame). */
export function tileGrid(region: Roi, options: TileOptions = {}): Roi[] {
  const { size, overlap } = { ...TILE_DEFAULTS, ...options };
  if (!(Number.isInteger(size) && size >= 32))
    throw new Error(`tiles: size must be an integer >= 32, got ${size}`);
  if (!(overlap >= 0 && overlap < 1)) throw new Error(`tiles: overlap must be in [0, 1), got ${overlap}`);
  const [rx, ry, rw, rh] = region;
  const tiles: Roi[] = [];
  for (const y of tileStarts(rh, size, overlap)) {
    for (const x of tileStarts(rw, size, overlap)) {
      tiles.push([rx + x, ry + y, Math.min(size, rw), Math.min(size, rh)]);
    }
  }
  return tiles;
}

/** Copies one tile's BGR24 pixels out of a frame (the inner detector takes a packed frame). */
function cutTile(frame: FrameImage, [x, y, w, h]: Roi): FrameImage {
  const data = new Uint8Array(w * h * 3);
  const rowBytes = w * 3;
  for (let row = 0; row < h; row++) {
    const from = ((y + row) * frame.width + x) * 3;
    data.set(frame.data.subarray(from, from + rowBytes), row * rowBytes);
  }
  return { width: w, height: h, data };
}

/** Moves a detection from tile pixels to frame pixels. */
function offset(d: Detection, dx: number, dy: number): Detection {
  const moved: Detection = {
    box: [d.box[0] + dx, d.box[1] + dy, d.box[2] + dx, d.box[3] + dy],
    score: d.score,
  };
  if (d.landmarks) moved.landmarks = d.landmarks.map(([x, y]) => [x + dx, y + dy]);
  return moved;
}

/**
 * True when a box touches an edge of its tile that lies inside the region: such a face is probably cut,
 * and the neighbouring tile (or the whole-frame pass) sees it whole.
 */
function touchesInnerEdge(d: Detection, [tx, ty, tw, th]: Roi, [rx, ry, rw, rh]: Roi, margin = 2): boolean {
  const [x1, y1, x2, y2] = d.box;
  return (
    (tx > rx && x1 <= tx + margin) ||
    (ty > ry && y1 <= ty + margin) ||
    (tx + tw < rx + rw && x2 >= tx + tw - margin) ||
    (ty + th < ry + rh && y2 >= ty + th - margin)
  );
}

/** The shared options the tiled detector applies itself after merging (the inner one runs without them). */
interface TileMerge {
  nmsIouThreshold: number;
  minFaceSize: number;
  maxFaces: number;
  roi?: Roi;
}

class TiledDetector implements FaceDetector {
  readonly name: string;
  readonly inputSize: { width: number; height: number };
  // No inputLayout: tiles need the full frame, so the decoder hands it over.

  constructor(
    private readonly inner: FaceDetector,
    private readonly tiles: Required<TileOptions>,
    private readonly merge: TileMerge,
  ) {
    this.name = `${inner.name}+tiles${tiles.size}`;
    this.inputSize = { width: tiles.size, height: tiles.size };
  }

  async detect(input: DetectorFrame): Promise<Detection[]> {
    if (!input.data)
      throw new Error(`${this.name}: tiles need the full frame (not the decoder-resized input)`);
    const frame: FrameImage = { width: input.width, height: input.height, data: input.data };
    assertFrameImage(frame);
    const region = clipRoi(frame.width, frame.height, this.merge.roi);
    if (!region) return [];
    const grid = tileGrid(region, this.tiles);
    const found: Detection[] = [];
    // A region that fits in one tile needs no second pass over the same pixels.
    if (this.tiles.wholeFrame && grid.length > 1) {
      const whole = region[2] === frame.width && region[3] === frame.height ? frame : cutTile(frame, region);
      for (const d of await this.inner.detect(whole))
        found.push(offset(d, whole === frame ? 0 : region[0], whole === frame ? 0 : region[1]));
    }
    for (const tile of grid) {
      for (const d of await this.inner.detect(cutTile(frame, tile))) {
        const moved = offset(d, tile[0], tile[1]);
        if (grid.length === 1 || !touchesInnerEdge(moved, tile, region)) found.push(moved);
      }
    }
    const { nmsIouThreshold, minFaceSize, maxFaces } = this.merge;
    return hardNms(found, nmsIouThreshold)
      .filter((d) => d.box[2] - d.box[0] >= minFaceSize && d.box[3] - d.box[1] >= minFaceSize)
      .slice(0, maxFaces);
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/**
 * Opens `spec`'s detector behind tiles (`spec.tiles`). The inner detector is opened with `open` (so this
 * module loads no native code itself) without the ROI, face-size and face-count options, which apply to
 * the merged result instead.
 */
export async function createTiledDetector(
  spec: DetectorSpec & { tiles: TileOptions },
  open: (spec: DetectorSpec) => Promise<FaceDetector>,
): Promise<FaceDetector> {
  const tiles = { ...TILE_DEFAULTS, ...spec.tiles };
  tileGrid([0, 0, tiles.size, tiles.size], tiles); // checks the options before a model is loaded
  // Tiles are cut at full resolution, so minFaceSize means the same inside a tile (Haar uses it as the
  // cascade's minSize); the ROI and the face count apply to the merged result.
  const { tiles: _tiles, roi, maxFaces, ...innerSpec } = spec;
  const inner = await open(innerSpec as DetectorSpec);
  return new TiledDetector(inner, tiles, {
    nmsIouThreshold: spec.nmsIouThreshold ?? 0.3,
    minFaceSize: spec.minFaceSize ?? 0,
    maxFaces: maxFaces ?? 100,
    roi,
  });
}
