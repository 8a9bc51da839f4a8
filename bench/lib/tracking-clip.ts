/**
 * A labelled street clip for tracking tests and the tracking bench, built from Debian data: 300 frames of
 * opencv-doc's vtest.avi (768x576, 25 FPS, pedestrians) with five real faces pasted on it (astronaut.png of
 * python3-skimage, messi5.jpg and two Megamind.avi characters of opencv-doc, one of them in two shots), 40-180 px wide,
 * moving along known paths. The scenario: two pairs of faces cross and overlap (the nearer, larger face in
 * front), a post hides faces passing behind it for about a second, and one face leaves the picture and
 * comes back two seconds later from the same side. Every face box is known, with the fraction of it that is
 * visible (not covered by a nearer face or the post, inside the picture).
 *
 * A seed varies the layout (positions, sizes, timing, the part of vtest.avi used, the walking bob), so
 * settings can be chosen on one seed and judged on another. Clips are cached under the rxvision download
 * cache (`tracking-clip/`): building one takes a few seconds.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { assetPath } from '../../src/assets';
import type { Box } from '../../src/kernels/frame';
import { openFfmpegReader } from '../../src/pipelines/camera/sources/ffmpeg-reader';
import { parseSource } from '../../src/pipelines/camera/sources/source-uri';
import { downloadCacheDir } from '../../src/util/paths';
import { skimageData } from './debian-images';
import { seededRandom } from './seeded-random';

/** Bump when the generator changes: cached clips of another version are rebuilt. */
const VERSION = 8;
const WIDTH = 768;
const HEIGHT = 576;
const FPS = 25;
const FRAMES = 300;

/**
 * Seeds the tracker's defaults were chosen on (1 was used first; 2-8 while finding the ID switch and extra
 * tracks that `duplicateOverlap` fixes). Nothing is reported from them.
 */
export const TUNING_SEEDS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8];
/** Seeds never looked at while choosing settings: the tracking bench and test report these. */
export const HELD_OUT_SEEDS: readonly number[] = [9, 10, 11, 12, 13, 14];

/** One face box of the clip. */
export interface ClipBox {
  frame: number;
  /** The person (same face image all along). */
  person: string;
  /** The person's path: a person who leaves and comes back has two (e.g. "astronaut#2"). */
  path: string;
  /** Face box in clip pixels, clipped to the picture. */
  box: Box;
  /** Unclipped face width in pixels. */
  size: number;
  /** Fraction of the whole face box that is visible (in the picture, not covered), 0..1. */
  visibility: number;
}

/** The labels of a clip. */
export interface ClipLabels {
  version: number;
  seed: number;
  width: number;
  height: number;
  fps: number;
  frames: number;
  /** First vtest.avi frame used. */
  videoOffset: number;
  persons: string[];
  paths: string[];
  boxes: ClipBox[];
}

/** A generated clip: the video file and its labels. */
export interface TrackingClip {
  file: string;
  labels: ClipLabels;
}

/** Where a face comes from and its face box there. */
interface FaceSource {
  load(): Promise<Buffer | string>;
  face: Box;
}

const megamindFrame = (frame: number) => async () =>
  execFileSync(
    'ffmpeg',
    [
      ...['-v', 'error', '-i', assetPath('samples', 'Megamind.avi')],
      ...['-vf', `select=eq(n\\,${frame})`, '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', '-'],
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );

/**
 * Face boxes as BlazeFace (back) draws them at the clip's scale: its boxes on the full-size sources, moved
 * by the mean difference between its boxes on the pasted faces and the first labels (seed 1), so labels
 * and detections share one convention of what a face box covers.
 */
const FACES: Record<string, FaceSource> = {
  astronaut: { load: async () => skimageData('astronaut.png'), face: [181, 85, 268, 172] },
  roxanne: { load: megamindFrame(90), face: [233, 181, 369, 317] },
  bernard: { load: megamindFrame(150), face: [424, 212, 580, 369] },
  messi: { load: async () => assetPath('samples', 'messi5.jpg'), face: [224, 99, 259, 134] },
  // Roxanne again, another shot: a fifth face (camera.png's cameraman, a three-quarter profile behind a
  // camera, got boxes overlapping its label by 0.63 on average: too unsteady to label).
  roxanne2: { load: megamindFrame(60), face: [229, 236, 357, 364] },
};

/** A keyframe of a path: frame, face centre, face width. */
type Key = [t: number, cx: number, cy: number, w: number];

interface PathPlan {
  person: string;
  path: string;
  keys: Key[];
}

/** The scenario of a seed: paths with jittered keyframes, the post, the video offset, the bob phases. */
function plan(seed: number) {
  const rnd = seededRandom(seed * 7919 + 17);
  const j = (spread: number) => (rnd() * 2 - 1) * spread;
  const size = (w: number) => Math.min(180, Math.max(40, Math.round(w * (1 + j(0.1)))));
  const key = (t: number, cx: number, cy: number, w: number): Key => [
    Math.round(t + j(6)),
    Math.round(cx + j(20)),
    Math.round(cy + j(15)),
    size(w),
  ];
  const leaveAt = 130 + Math.round(j(6));
  const paths: PathPlan[] = [
    // Leaves on the right, comes back two seconds later from the same side.
    {
      person: 'astronaut',
      path: 'astronaut#1',
      keys: [key(0, 90, 100, 66), key(leaveAt - 20, 700, 110, 74), [leaveAt, 830, 112, 74]],
    },
    {
      person: 'astronaut',
      path: 'astronaut#2',
      keys: [[leaveAt + 50, 830, 100, 76], key(leaveAt + 70, 700, 95, 76), key(299, 420, 90, 82)],
    },
    // First crossing: large faces, bernard (nearer, larger) passes in front of roxanne.
    { person: 'roxanne', path: 'roxanne', keys: [key(20, 110, 280, 90), key(210, 650, 295, 115)] },
    { person: 'bernard', path: 'bernard', keys: [key(40, 690, 300, 110), key(240, 110, 285, 150)] },
    // Second crossing: small faces low in the picture; both pass behind the post.
    { person: 'messi', path: 'messi', keys: [key(0, 720, 515, 42), key(299, 70, 505, 55)] },
    { person: 'roxanne2', path: 'roxanne2', keys: [key(60, 220, 500, 60), key(299, 700, 492, 72)] },
  ];
  // The post stands where messi is at about frame 80.
  const messi = paths[4].keys;
  const postX = Math.round(lerp(messi[0][1], messi[1][1], (80 - messi[0][0]) / (messi[1][0] - messi[0][0])));
  return {
    paths,
    post: [postX - 22, 430, postX + 22, HEIGHT] as Box,
    videoOffset: (seed * 97) % 480,
    bob: paths.map(() => rnd() * Math.PI * 2),
  };
}

function lerp(a: number, b: number, f: number): number {
  return a + (b - a) * f;
}

/** Face centre and width of a path at frame `t`, or undefined outside its keyframes. */
function at(keys: readonly Key[], t: number): [number, number, number] | undefined {
  if (t < keys[0][0] || t > keys[keys.length - 1][0]) return undefined;
  for (let k = 1; k < keys.length; k++) {
    const [t0, x0, y0, w0] = keys[k - 1];
    const [t1, x1, y1, w1] = keys[k];
    if (t <= t1) {
      const f = t1 === t0 ? 1 : (t - t0) / (t1 - t0);
      return [lerp(x0, x1, f), lerp(y0, y1, f), lerp(w0, w1, f)];
    }
  }
  return undefined;
}

/** A face image cropped to head and shoulders, with its face box in crop pixels. */
interface FaceCrop {
  image: Sharp;
  width: number;
  height: number;
  face: Box;
  cache: Map<number, { data: Buffer; width: number; height: number; alpha: Float32Array }>;
}

async function loadCrop(source: FaceSource): Promise<FaceCrop> {
  const input = await source.load();
  const meta = await sharp(input).metadata();
  const [x1, y1, x2, y2] = source.face;
  const fw = x2 - x1;
  const fh = y2 - y1;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2 + 0.15 * fh;
  const left = Math.max(0, Math.round(cx - 0.8 * fw));
  const top = Math.max(0, Math.round(cy - 0.9 * fh));
  const right = Math.min(meta.width!, Math.round(cx + 0.8 * fw));
  const bottom = Math.min(meta.height!, Math.round(cy + 0.85 * fh));
  const width = right - left;
  const height = bottom - top;
  const buffer = await sharp(input)
    .removeAlpha()
    .toColourspace('srgb')
    .extract({ left, top, width, height })
    .png()
    .toBuffer();
  return {
    image: sharp(buffer),
    width,
    height,
    face: [x1 - left, y1 - top, x2 - left, y2 - top],
    cache: new Map(),
  };
}

/** The crop scaled to `width` pixels (RGB) with a soft elliptical alpha mask. */
async function scaled(crop: FaceCrop, width: number) {
  const hit = crop.cache.get(width);
  if (hit) return hit;
  const height = Math.max(1, Math.round((crop.height * width) / crop.width));
  const data = await crop.image.clone().resize(width, height).removeAlpha().raw().toBuffer();
  const alpha = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (x + 0.5 - width / 2) / (width / 2);
      const dy = (y + 0.5 - height / 2) / (height / 2);
      const r = Math.hypot(dx, dy);
      alpha[y * width + x] = Math.min(1, Math.max(0, (1 - r) / 0.12));
    }
  }
  const out = { data, width, height, alpha };
  crop.cache.set(width, out);
  return out;
}

/** The cached clip of a seed, built first when missing. */
export async function trackingClip(seed = 1): Promise<TrackingClip> {
  if (!(Number.isInteger(seed) && seed >= 1))
    throw new Error(`tracking clip: seed must be an integer >= 1, got ${seed}`);
  const dir = path.join(downloadCacheDir(), 'tracking-clip', `v${VERSION}-seed${seed}`);
  const file = path.join(dir, 'clip.mp4');
  const labelsFile = path.join(dir, 'labels.json');
  if (!existsSync(file) || !existsSync(labelsFile)) await buildClip(seed, dir);
  return { file, labels: JSON.parse(await readFile(labelsFile, 'utf8')) as ClipLabels };
}

async function buildClip(seed: number, dir: string): Promise<void> {
  const scenario = plan(seed);
  const crops = new Map<string, FaceCrop>();
  for (const p of scenario.paths) {
    if (!crops.has(p.person)) crops.set(p.person, await loadCrop(FACES[p.person]));
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const reader = await openFfmpegReader(parseSource(assetPath('samples', 'vtest.avi')));
  const encoder = spawn(
    'ffmpeg',
    [
      ...[
        '-v',
        'error',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'bgr24',
        '-s',
        `${WIDTH}x${HEIGHT}`,
        '-r',
        String(FPS),
      ],
      ...['-i', '-', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '14', '-pix_fmt', 'yuv420p'],
      path.join(tmp, 'clip.mp4'),
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  encoder.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const encoded = new Promise<void>((resolve, reject) =>
    encoder.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`tracking clip: ffmpeg encoder failed: ${stderr.trim()}`)),
    ),
  );
  const boxes: ClipBox[] = [];
  const owner = new Int16Array(WIDTH * HEIGHT);
  try {
    for (let k = 0; k < scenario.videoOffset; k++) await reader.read();
    for (let t = 0; t < FRAMES; t++) {
      const raw = await reader.read();
      if (!raw?.data)
        throw new Error(`tracking clip: vtest.avi ended before frame ${scenario.videoOffset + t}`);
      const frame = raw.data;
      owner.fill(-1);
      // Faces present now, far (small) ones first so nearer faces cover them.
      const present = scenario.paths
        .map((p, index) => ({ p, index, pos: at(p.keys, t) }))
        .filter((e): e is typeof e & { pos: [number, number, number] } => e.pos !== undefined)
        .sort((a, b) => a.pos[2] - b.pos[2]);
      const placed: Array<{ p: PathPlan; index: number; face: Box }> = [];
      for (const { p, index, pos } of present) {
        const crop = crops.get(p.person)!;
        const [cx, cy0, faceWidth] = pos;
        const cy = cy0 + 2 * Math.sin(t / 4 + scenario.bob[index]);
        const scale = faceWidth / (crop.face[2] - crop.face[0]);
        const img = await scaled(crop, Math.max(8, Math.round(crop.width * scale)));
        const s = img.width / crop.width;
        const left = Math.round(cx - ((crop.face[0] + crop.face[2]) / 2) * s);
        const top = Math.round(cy - ((crop.face[1] + crop.face[3]) / 2) * s);
        paste(frame, owner, img, left, top, index);
        placed.push({
          p,
          index,
          face: [
            left + crop.face[0] * s,
            top + crop.face[1] * s,
            left + crop.face[2] * s,
            top + crop.face[3] * s,
          ],
        });
      }
      const [px1, py1, px2, py2] = scenario.post;
      for (let y = py1; y < py2; y++) {
        for (let x = px1; x < px2; x++) {
          const i = y * WIDTH + x;
          // A grey post with a darker edge, drawn over everything.
          const edge = x - px1 < 3 || px2 - x <= 3;
          frame[i * 3] = frame[i * 3 + 1] = frame[i * 3 + 2] = edge ? 70 : 150;
          owner[i] = 1000;
        }
      }
      for (const { p, index, face } of placed) {
        const clipped: Box = [
          Math.max(0, face[0]),
          Math.max(0, face[1]),
          Math.min(WIDTH, face[2]),
          Math.min(HEIGHT, face[3]),
        ];
        if (clipped[2] <= clipped[0] || clipped[3] <= clipped[1]) continue;
        let own = 0;
        for (let y = Math.floor(clipped[1]); y < Math.ceil(clipped[3]); y++) {
          for (let x = Math.floor(clipped[0]); x < Math.ceil(clipped[2]); x++) {
            if (owner[y * WIDTH + x] === index) own++;
          }
        }
        const area = (face[2] - face[0]) * (face[3] - face[1]);
        boxes.push({
          frame: t,
          person: p.person,
          path: p.path,
          box: clipped.map((v) => Math.round(v * 10) / 10) as Box,
          size: Math.round(face[2] - face[0]),
          visibility: Math.round(Math.min(1, own / area) * 1000) / 1000,
        });
      }
      if (!encoder.stdin.write(frame)) await new Promise((r) => encoder.stdin.once('drain', r));
    }
    encoder.stdin.end();
    await encoded;
  } finally {
    await reader.close();
    if (encoder.exitCode === null) encoder.kill('SIGKILL');
  }
  const labels: ClipLabels = {
    version: VERSION,
    seed,
    width: WIDTH,
    height: HEIGHT,
    fps: FPS,
    frames: FRAMES,
    videoOffset: scenario.videoOffset,
    persons: [...new Set(scenario.paths.map((p) => p.person))],
    paths: scenario.paths.map((p) => p.path),
    boxes,
  };
  writeFileSync(path.join(tmp, 'labels.json'), JSON.stringify(labels));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  renameSync(tmp, dir);
}

/** Alpha-blends an RGB image into the BGR frame at (left, top) and marks the pixels it mostly covers. */
function paste(
  frame: Uint8Array,
  owner: Int16Array,
  img: { data: Buffer; width: number; height: number; alpha: Float32Array },
  left: number,
  top: number,
  index: number,
): void {
  for (let y = Math.max(0, -top); y < img.height && top + y < HEIGHT; y++) {
    for (let x = Math.max(0, -left); x < img.width && left + x < WIDTH; x++) {
      const a = img.alpha[y * img.width + x];
      if (a <= 0) continue;
      const s = (y * img.width + x) * 3;
      const d = ((top + y) * WIDTH + left + x) * 3;
      frame[d] = Math.round(frame[d] * (1 - a) + img.data[s + 2] * a);
      frame[d + 1] = Math.round(frame[d + 1] * (1 - a) + img.data[s + 1] * a);
      frame[d + 2] = Math.round(frame[d + 2] * (1 - a) + img.data[s] * a);
      if (a > 0.5) owner[(top + y) * WIDTH + left + x] = index;
    }
  }
}
