/**
 * The smallest face each detector setting finds: faces from Debian sample media (a Megamind.avi frame,
 * messi5.jpg) pasted at decreasing sizes onto 720p, 1080p and 4K frames (vtest.avi street scene, scaled),
 * at several places (including across tile borders), each setting run in-process on the same frames.
 * `npm run bench -- --only face-size` or `node dist/bench/face-size.js`.
 */
import { assetPath } from '../src/assets';
import type { DetectorSpec, FaceDetector } from '../src/kernels/detectors';
import { createDetector } from '../src/kernels/detectors/open';
import { iou, type Box, type FrameImage } from '../src/kernels/frame';
import { openReader } from '../src/pipelines/camera/sources/frame-source';
import { parseSource } from '../src/pipelines/camera/sources/source-uri';
import { fmt } from './lib/measure';
import { pasteFace, scaleFrame, type Region } from './lib/paste';
import { runStandalone } from './lib/standalone';
import type { BenchDefinition, CaseContext } from './lib/types';

/** Face widths tried, largest first (pixels of the face box in the frame). */
const SIZES = [256, 200, 160, 128, 96, 80, 64, 56, 48, 40, 32, 28, 24, 20, 16];
const RESOLUTIONS: Record<string, [number, number]> = {
  '720p': [1280, 720],
  '1080p': [1920, 1080],
  '4K': [3840, 2160],
};
const SETTINGS: Record<string, DetectorSpec> = {
  'BlazeFace front (128 px)': { type: 'blazeface', variant: 'front' },
  'BlazeFace back (256 px)': { type: 'blazeface', variant: 'back' },
  'BlazeFace back + tiles (512 px, overlap 0.25)': { type: 'blazeface', variant: 'back', tiles: {} },
  'Haar (frontalface_default, scaleFactor 1.1, minNeighbors 3)': { type: 'haar' },
};
/** A face counts as found at a size when this share of its placements is found (IoU >= 0.4). */
const FOUND_SHARE = 0.75;

interface SizeResult {
  resolution: string;
  setting: string;
  size: number;
  found: number;
  placements: number;
  msPerFrame: number;
}

async function videoFrame(file: string, index: number): Promise<FrameImage> {
  const reader = await openReader(parseSource(assetPath('samples', file)));
  let data: Uint8Array | undefined;
  for (let i = 0; i <= index; i++) data = (await reader.read())?.data;
  void reader.close().catch(() => undefined);
  if (!data) throw new Error(`${file}: no frame ${index}`);
  return { width: reader.info.width, height: reader.info.height, data };
}

async function imageFrame(file: string): Promise<FrameImage> {
  const reader = await openReader(parseSource(assetPath('samples', file)));
  const frame = await reader.read();
  void reader.close().catch(() => undefined);
  if (!frame?.data) throw new Error(`${file}: no picture`);
  return { width: reader.info.width, height: reader.info.height, data: frame.data };
}

/** A face picture and the face box in it (found by BlazeFace back), with a quarter of margin around. */
interface FaceSource {
  picture: FrameImage;
  region: Region;
  /** Face box width / region width. */
  faceShare: number;
  /** Face box inside the region, as fractions of the region. */
  inner: [number, number, number, number];
}

async function faceSources(): Promise<FaceSource[]> {
  const back = await createDetector({ type: 'blazeface', variant: 'back' });
  const pictures = [await videoFrame('Megamind.avi', 60), await imageFrame('messi5.jpg')];
  const sources: FaceSource[] = [];
  for (const picture of pictures) {
    const [face] = await back.detect(picture);
    if (!face) throw new Error('face-size: no face found in a source picture');
    const [x1, y1, x2, y2] = face.box;
    const m = (x2 - x1) * 0.25;
    const rx = Math.max(0, Math.round(x1 - m));
    const ry = Math.max(0, Math.round(y1 - m));
    const rw = Math.min(picture.width - rx, Math.round(x2 - x1 + 2 * m));
    const rh = Math.min(picture.height - ry, Math.round(y2 - y1 + 2 * m));
    sources.push({
      picture,
      region: [rx, ry, rw, rh],
      faceShare: (x2 - x1) / rw,
      inner: [(x1 - rx) / rw, (y1 - ry) / rh, (x2 - rx) / rw, (y2 - ry) / rh],
    });
  }
  await back.dispose();
  return sources;
}

/** Places: centre, across the first vertical tile border (x near 512), and near the bottom right. */
function placements(width: number, height: number, side: number): Array<[number, number]> {
  return [
    [Math.round(width / 2 - side / 2), Math.round(height / 2 - side / 2)],
    [512 - Math.round(side / 2), Math.round(height / 3)],
    [width - side - 40, height - side - 40],
  ];
}

async function runCase(resolution: string, ctx: CaseContext): Promise<SizeResult[]> {
  const [width, height] = RESOLUTIONS[resolution];
  const background = scaleFrame(await videoFrame('vtest.avi', 10), width, height);
  const sources = await faceSources();
  const sizes = ctx.quick ? SIZES.filter((_, i) => i % 2 === 0) : SIZES;
  const results: SizeResult[] = [];
  for (const [setting, spec] of Object.entries(SETTINGS)) {
    // Haar on a full 4K frame takes over 10 s here: measured at 720p and 1080p only.
    if (spec.type === 'haar' && width > 2000) continue;
    const detector: FaceDetector = await createDetector(spec);
    for (const size of sizes) {
      let found = 0;
      let placed = 0;
      let ms = 0;
      for (const source of sources) {
        // Region side so that the face box inside it is `size` wide.
        const side = Math.round(size / source.faceShare);
        for (const [x, y] of placements(width, height, side)) {
          const { frame } = pasteFace(background, source.picture, source.region, side, x, y);
          const regionHeight = Math.round((side * source.region[3]) / source.region[2]);
          const truth: Box = [
            x + source.inner[0] * side,
            y + source.inner[1] * regionHeight,
            x + source.inner[2] * side,
            y + source.inner[3] * regionHeight,
          ];
          const start = performance.now();
          const faces = await detector.detect(frame);
          ms += performance.now() - start;
          placed++;
          if (faces.some((d) => iou(d.box, truth) >= 0.4)) found++;
        }
      }
      results.push({ resolution, setting, size, found, placements: placed, msPerFrame: ms / placed });
    }
    await detector.dispose();
    const row = results.filter((r) => r.setting === setting);
    ctx.progress(
      `${resolution} ${setting}: min ${minSize(row) ?? 'none'} px, ${fmt(row[0].msPerFrame)} ms/frame`,
    );
  }
  return results;
}

/** The smallest size from which every larger size is found at FOUND_SHARE of its placements. */
function minSize(rows: SizeResult[]): number | undefined {
  let smallest: number | undefined;
  for (const r of [...rows].sort((a, b) => b.size - a.size)) {
    if (r.found / r.placements < FOUND_SHARE) break;
    smallest = r.size;
  }
  return smallest;
}

export const faceSize: BenchDefinition = {
  name: 'face-size',
  title: 'Smallest face found per detector setting at 720p, 1080p and 4K',
  optIn: true,
  cases: () => Object.keys(RESOLUTIONS),
  caseTimeoutMs: () => 900_000,
  runCase,
  summarize(data) {
    const rows = Object.values(data).flat() as SizeResult[];
    const resolutions = Object.keys(RESOLUTIONS).filter((r) => rows.some((x) => x.resolution === r));
    return {
      baseline: 'the same pasted frames for every setting',
      tables: [
        {
          caption:
            'Smallest face width found (px; every larger size found too), and ms per frame (one thread)',
          columns: ['setting', ...resolutions.flatMap((r) => [`${r} min face`, `${r} ms/frame`])],
          rows: Object.keys(SETTINGS).map((setting) => [
            setting,
            ...resolutions.flatMap((r) => {
              const of = rows.filter((x) => x.setting === setting && x.resolution === r);
              if (of.length === 0) return ['not run', ''];
              const min = minSize(of);
              const ms = of.reduce((s, x) => s + x.msPerFrame, 0) / Math.max(1, of.length);
              return [min === undefined ? `> ${SIZES[0]}` : `${min}`, fmt(ms)];
            }),
          ]),
        },
      ],
      notes: [
        `Faces: a Megamind.avi frame and messi5.jpg (Debian opencv-doc), cut with a quarter of margin, scaled (area ` +
          `averaging) and pasted on a vtest.avi frame scaled to the resolution, at 3 places each (centre, across the ` +
          `first tile border, bottom right): 6 placements per size. Haar is not run at 4K (over 10 s per frame). Found: a box with IoU >= 0.4; a size counts when ` +
          `${FOUND_SHARE * 100} % of its placements are found. Sizes tried: ${SIZES.join(', ')} px.`,
      ],
      data: rows,
    };
  },
};

if (require.main === module) {
  const only = process.argv[2];
  runStandalone(faceSize, async (ctx) => {
    const all: Record<string, unknown> = {};
    for (const r of only ? [only] : Object.keys(RESOLUTIONS)) all[r] = await runCase(r, ctx);
    return all;
  });
}
