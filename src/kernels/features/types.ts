/**
 * Shared record shapes of the dedup pipeline. Everything here is small and structured-clone friendly
 * (plain objects, strings, numbers, typed arrays) so it can cross a worker boundary and be cached.
 */

/** One image file found by the scan. */
export interface ScanEntry {
  kind: 'file';
  /** Absolute path. */
  path: string;
  /** Path relative to the scanned root, with forward slashes. */
  relPath: string;
  size: number;
  mtimeMs: number;
  /** Inode number (of the link's target when reached through a link): re-checked before any action. */
  ino: number;
  /**
   * Reached through a symbolic link (the file or a folder above it; only with `followSymlinks`): reported
   * and grouped, never the keeper while a regular member exists, never acted on.
   */
  isSymlink: boolean;
}

/** A directory or file the scan could not read; reported, never thrown. */
export interface ScanError {
  kind: 'error';
  path: string;
  relPath: string;
  code: string;
  message: string;
}

export type ScanRecord = ScanEntry | ScanError;

/** Why a file produced no features. */
export type SkipReason =
  'empty-file' | 'not-an-image' | 'corrupt' | 'too-many-pixels' | 'unreadable' | 'embedding-failed';

/** A file that was skipped, with a typed reason and the underlying message. */
export interface SkippedFile {
  path: string;
  reason: SkipReason;
  detail: string;
}

/** The three 64-bit perceptual hashes, as 16-digit lower-case hex strings. */
export interface HashSet {
  whash: string;
  phash: string;
  dhash: string;
}

/**
 * Geometric transforms a hash variant was computed under (applied to the image before hashing): the
 * eight symmetries of a square, so any two mirrored/rotated copies are related by one of them.
 */
export type Transform =
  | 'identity'
  | 'flipH'
  | 'flipV'
  | 'rot90'
  | 'rot180'
  | 'rot270'
  /** Mirror across the main diagonal (rot90 then flipH). */
  | 'transpose'
  /** Mirror across the anti-diagonal (rot270 then flipH). */
  | 'transverse';

/** Hashes of a transformed copy of the image (only when variants are switched on). */
export interface HashVariant extends HashSet {
  transform: Exclude<Transform, 'identity'>;
}

/** What every record of one image starts with: where it is, its size and format, its hashes. */
export interface ImageBasics {
  path: string;
  /** Oriented (EXIF-applied) dimensions of the original image. */
  width: number;
  height: number;
  format: string;
  hashes: HashSet;
  variants: HashVariant[];
}

/** Everything the verification stages need about one image; a few kilobytes at most. */
export interface ImageFeatures extends ImageBasics {
  /** HSV histogram, L1-normalised (sums to 1); bins laid out h-major: h * (s*v) + s * v + v. */
  colour: Float32Array;
  /** Grey thumbnail (row-major, thumbSize x thumbSize, 0..255) for SSIM. */
  thumb: Uint8Array;
  thumbSize: number;
  /** What the picture shows apart from a plain background (`foregroundOf` in foreground.ts, encoded). */
  foreground: Uint8Array;
  /** L2-normalised CNN embedding, when a model is configured. */
  embedding?: Float32Array;
}

/**
 * What candidate search, stored pair decisions and reports need about one image: no colour signature,
 * thumbnail or embedding, so a re-run can work from light cache columns and load full features only for
 * the pairs it has to verify.
 */
export interface ImageSummary extends ImageBasics {
  /** {@link ImageFeatures} fingerprint (`featureDigest` in cache.ts): equal digests, equal verifications. */
  digest: string;
}

/** Result of computing features for one file: the features or a skip reason. */
export type FeatureResult = { ok: true; features: ImageFeatures } | { ok: false; skipped: SkippedFile };

/** The optional CNN embedding of the feature extraction (defaults live in the config schema). */
export interface EmbeddingSettings {
  /** ONNX model file, or {@link BUILTIN_MOBILENET} for the converted MobileNetV2 (asset `mobilenet`). */
  model: string;
  /** Input tensor name; default: the first input. */
  inputName?: string;
  /** Output tensor name; default: the first output. */
  outputName?: string;
  /** Square input side in pixels. */
  inputSize: number;
  layout: 'NCHW' | 'NHWC';
  /** Per-channel mean, pixels in 0..1. */
  mean: readonly number[];
  /** Per-channel standard deviation. */
  std: readonly number[];
  /** Feed the grey image (R = G = B): greyscale copies embed like their originals. */
  greyscale?: boolean;
  /** Embed the image and its mirror image in one batch and sum them: mirrored copies embed alike. */
  flipSum?: boolean;
}

/** `EmbeddingSettings.model` of the built-in MobileNetV2 (converted from the `mobilenet` asset on first use). */
export const BUILTIN_MOBILENET = 'builtin:mobilenet';

/**
 * Feature extraction settings, complete (defaults applied by the config layer before they reach a worker:
 * `featureSettingsSchema` in src/config/schema/dedup-settings.ts).
 */
export interface FeatureSettings {
  /** Images with more pixels are skipped as decompression bombs. */
  limitInputPixels: number;
  /** Side of the grey SSIM thumbnail. */
  thumbSize: number;
  /** HSV histogram bins per axis. */
  hsvBins: { h: number; s: number; v: number };
  /** Also hash mirrored and rotated copies. */
  variants: boolean;
  /** How the plain background of clip art, icons and pages is told from the picture. */
  foreground: ForegroundSettings;
  embedding?: EmbeddingSettings;
}

/** A perceptual hash kind (the candidate index searches on one of them). */
export type HashKind = 'whash' | 'phash' | 'dhash';

/**
 * Candidate search and verification thresholds, complete (defaults applied by the config layer:
 * `verifySettingsSchema` in src/config/schema/dedup-settings.ts).
 */
export interface VerifySettings {
  /** Hash the candidate index searches on. */
  indexHash: HashKind;
  /** Stage 1: max Hamming distance of candidates. */
  maxHashDistance: number;
  /** Stage 2: min HSV histogram intersection. */
  minColour: number;
  /** Stage 3: min SSIM of the grey thumbnails. */
  minStructure: number;
  /** Stage 4: min cosine similarity of embeddings. */
  minEmbedding: number;
  /**
   * Embedding candidates (stage `embedding`): pairs whose embeddings reach this cosine are duplicates
   * even when the hashes differ (flips, greyscale, small rotations and crops).
   */
  embeddingMatch: number;
  /** Stage 3b: the foreground comparison of pictures on a plain background. */
  foreground: ForegroundVerifySettings;
  /** Stage 3c: the 64x64 detail views of every picture. */
  detail: DetailVerifySettings;
  /** Images whose feature data verification holds at most (main thread only). */
  workingSet: number;
}

/** How the background is found (feature extraction). */
export interface ForegroundSettings {
  /** Max per-channel difference (0..255) from the border colour that still counts as background. */
  tolerance: number;
  /** Share of border pixels within tolerance of their median colour for the border to count as plain. */
  minBorderShare: number;
}

/** Thresholds of the foreground comparison (verification). */
export interface ForegroundVerifySettings {
  /** Min weighted overlap (intersection over union) of the two foreground masks. */
  minOverlap: number;
  /** Min mean SSIM over the windows that hold foreground in either image. */
  minMaskedStructure: number;
  /** Min SSIM of the worst of the 3x3 blocks that hold foreground. */
  minBlockStructure: number;
  /** Max mean per-channel distance (0..255) of the colour grids over foreground cells. */
  maxColourDistance: number;
}

/** Thresholds of the detail comparison (verification stage 3c). */
export interface DetailVerifySettings {
  /** Min SSIM of the worst block (a quarter of the side) of the 64x64 views (whole frame or aligned content box); -1 turns the stage off. */
  minBlock: number;
}
