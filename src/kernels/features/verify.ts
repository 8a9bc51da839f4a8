/**
 * Verification stages 2-4 (kernel code: runs in the hash workers as well as on the main thread), each a pure function of two feature records. A candidate pair from the index
 * (stage 1) must pass every applicable stage to become a verified edge for the grouping stage.
 */
import { histogramIntersection } from './colour';
import { detailCheck } from './detail';
import { decodeForeground, foregroundCheck } from './foreground';
import { hammingHex } from './hamming';
import { transformThumb } from './pixels';
import { ssim } from './ssim';
import type { HashKind, ImageFeatures, Transform, VerifySettings } from './types';

/** Outcome of one check: whether it passed and the similarity it measured (higher is more similar). */
export interface CheckResult {
  pass: boolean;
  score: number;
}

/**
 * What stages 1-2 read of an image: its hashes and colour signature (no thumbnail or embedding), so the
 * many candidates the colour stage rejects can be decided without full feature records.
 */
export type ScreenFeatures = Pick<ImageFeatures, 'hashes' | 'variants' | 'colour'>;

/** Stage 1 as a score: 1 - distance / 64 on the chosen hash (under `transform` when a variant matched). */
export function hashCheck(
  a: Pick<ImageFeatures, 'hashes'>,
  b: Pick<ImageFeatures, 'hashes' | 'variants'>,
  settings: Pick<VerifySettings, 'maxHashDistance'> & { indexHash: HashKind },
  transform: Transform = 'identity',
): CheckResult {
  const hb = transform === 'identity' ? b.hashes : b.variants.find((v) => v.transform === transform);
  if (!hb) return { pass: false, score: 0 };
  const d = hammingHex(a.hashes[settings.indexHash], hb[settings.indexHash]);
  return { pass: d <= settings.maxHashDistance, score: 1 - d / 64 };
}

/** Stage 2: colour, as HSV histogram intersection (flips and rotations do not change it). */
export function colourCheck(
  a: Pick<ImageFeatures, 'colour'>,
  b: Pick<ImageFeatures, 'colour'>,
  minColour: number,
): CheckResult {
  const score = histogramIntersection(a.colour, b.colour);
  return { pass: score >= minColour, score };
}

/**
 * Stage 3: structure, as SSIM of the grey thumbnails. `transform` is the variant of b whose hash matched
 * a's (a looks like transform(b)), so b's thumbnail is transformed the same way before comparing.
 */
export function structureCheck(
  a: ImageFeatures,
  b: ImageFeatures,
  minStructure: number,
  transform: Transform = 'identity',
): CheckResult {
  if (a.thumbSize !== b.thumbSize) throw new Error(`thumbnail sizes differ: ${a.path} vs ${b.path}`);
  const score = ssim(a.thumb, transformThumb(b.thumb, b.thumbSize, transform), a.thumbSize);
  return { pass: score >= minStructure, score };
}

/** Cosine similarity of two vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`embedding lengths differ: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Stage 4: embedding cosine; `undefined` when either record has no embedding (stage not applicable). */
export function embeddingCheck(
  a: ImageFeatures,
  b: ImageFeatures,
  minEmbedding: number,
): CheckResult | undefined {
  if (!a.embedding || !b.embedding) return undefined;
  const score = cosine(a.embedding, b.embedding);
  return { pass: score >= minEmbedding, score };
}

/** A verified (or rejected) candidate pair with every stage's score. */
export interface PairVerdict {
  pass: boolean;
  /** Mean of the applicable stage scores, in [0, 1] for passing pairs. */
  score: number;
  /** The first stage that rejected the pair. */
  rejectedBy?: 'hash' | 'colour' | 'structure' | 'foreground' | 'detail' | 'embedding';
  scores: {
    hash: number;
    colour?: number;
    structure?: number;
    foreground?: number;
    detail?: number;
    embedding?: number;
  };
  transform: Transform;
}

/** Stages 1-2 of a pair: their scores, and the stage that rejected it (if one did). */
function screen(
  a: ScreenFeatures,
  b: ScreenFeatures,
  settings: VerifySettings,
  transform: Transform,
): { scores: PairVerdict['scores']; rejectedBy?: 'hash' | 'colour' } {
  const hash = hashCheck(a, b, settings, transform);
  const scores: PairVerdict['scores'] = { hash: hash.score };
  if (!hash.pass) return { scores, rejectedBy: 'hash' };
  const colour = colourCheck(a, b, settings.minColour);
  scores.colour = colour.score;
  return colour.pass ? { scores } : { scores, rejectedBy: 'colour' };
}

function rejection(
  rejectedBy: NonNullable<PairVerdict['rejectedBy']>,
  scores: PairVerdict['scores'],
  transform: Transform,
): PairVerdict {
  return { pass: false, score: 0, rejectedBy, scores, transform };
}

/**
 * Stages 1-2 alone (hash, colour), the cheap part of {@link verifyPair}: its verdict when one of them
 * rejects the pair, else `undefined` (the pair goes on to {@link verifyPair} on full records). Most
 * candidates end here, so a caller can decide them from colour signatures without loading thumbnails.
 */
export function screenPair(
  a: ScreenFeatures,
  b: ScreenFeatures,
  settings: VerifySettings,
  transform: Transform = 'identity',
): PairVerdict | undefined {
  const { scores, rejectedBy } = screen(a, b, settings, transform);
  return rejectedBy ? rejection(rejectedBy, scores, transform) : undefined;
}

/** Stage 3c on b's detail views transformed like its thumbnail; `undefined` when switched off (minBlock -1). */
function detailStage(a: ImageFeatures, b: ImageFeatures, settings: VerifySettings, transform: Transform) {
  if (settings.detail.minBlock <= -1) return undefined;
  const da = decodeForeground(a.foreground).detail;
  const db = decodeForeground(b.foreground).detail;
  const size = Math.sqrt(db.full.length);
  const tb = { full: transformThumb(db.full, size, transform), box: transformThumb(db.box, size, transform) };
  return detailCheck(da, tb, settings.detail);
}

/**
 * Runs stages 1-4 (3b: the foreground of pictures on a plain background; 3c: detail at 64x64) in order of cost and stops at the first failure. `transform` tells which of b's hash
 * variants matched (identity unless variants are on).
 */
export function verifyPair(
  a: ImageFeatures,
  b: ImageFeatures,
  settings: VerifySettings,
  transform: Transform = 'identity',
): PairVerdict {
  const { scores, rejectedBy } = screen(a, b, settings, transform);
  if (rejectedBy) return rejection(rejectedBy, scores, transform);
  const structure = structureCheck(a, b, settings.minStructure, transform);
  scores.structure = structure.score;
  if (!structure.pass) return rejection('structure', scores, transform);
  // Mirrored/rotated matches skip it: the foreground frames are stored untransformed.
  const fg =
    transform === 'identity' ? foregroundCheck(a.foreground, b.foreground, settings.foreground) : undefined;
  if (fg) {
    scores.foreground = fg.score;
    if (!fg.pass) return rejection('foreground', scores, transform);
  }
  const detail = detailStage(a, b, settings, transform);
  if (detail) {
    scores.detail = detail.score;
    if (!detail.pass) return rejection('detail', scores, transform);
  }
  const emb = embeddingCheck(a, b, settings.minEmbedding);
  if (emb) {
    scores.embedding = emb.score;
    if (!emb.pass) return rejection('embedding', scores, transform);
  }
  const parts = [
    scores.hash,
    scores.colour,
    scores.structure,
    scores.foreground,
    scores.detail,
    scores.embedding,
  ].filter((x): x is number => x !== undefined);
  return { pass: true, score: parts.reduce((s, x) => s + x, 0) / parts.length, scores, transform };
}
