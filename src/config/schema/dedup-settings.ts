/**
 * Tunable settings of the dedup stages, as a zod schema (so the config layer can embed it under
 * `dedup.*` and export it to JSON Schema) with defaults tuned on the labelled sample corpus in
 * test/dedup (opencv-doc images and their resized / recompressed / cropped / brightened / blurred copies).
 */
import { z } from 'zod';
import type * as Kernel from '../../kernels/features/types';
import { BUILTIN_MOBILENET } from '../../kernels/features/types';
import type { Conform } from './conform';

/**
 * Default capacity of the verification working set in items: about 23 MB of colour signatures (some 700 bytes each
 * with their objects), whatever the size of the collection. Every item evicted and needed again costs a
 * cache read; a larger set does not pay at 100k images (verification took as long with 131,072: its time
 * is the candidate search, not the reads) and raised the peak RSS.
 */
export const DEFAULT_WORKING_SET = 32_768;

export const hashKindSchema = z.enum(['whash', 'phash', 'dhash']);
export type HashKind = Conform<z.infer<typeof hashKindSchema>, Kernel.HashKind>;

export const foregroundSettingsSchema = z
  .strictObject({
    tolerance: z
      .number()
      .min(0)
      .max(255)
      .default(24)
      .describe('Max per-channel difference (0..255) from the border colour that still counts as background'),
    minBorderShare: z
      .number()
      .min(0)
      .max(1)
      .default(0.85)
      .describe(
        'Share of border pixels close to their median colour for the border to count as a plain background',
      ),
  })
  .describe('How the plain background of clip art, icons and pages is told from the picture');

export const foregroundVerifySettingsSchema = z
  .strictObject({
    minOverlap: z
      .number()
      .min(0)
      .max(1)
      .default(0.3)
      .describe('Min overlap (IoU) of the two foreground masks'),
    minMaskedStructure: z
      .number()
      .min(-1)
      .max(1)
      .default(0.8)
      .describe('Min mean SSIM over the parts that hold foreground in either image'),
    minBlockStructure: z
      .number()
      .min(-1)
      .max(1)
      .default(0.62)
      .describe('Min SSIM of the worst of the 3x3 blocks that hold foreground'),
    maxColourDistance: z
      .number()
      .min(0)
      .max(255)
      .default(30)
      .describe('Max mean per-channel distance (0..255) of the foreground colours (8x8 grid)'),
  })
  .describe(
    'Stage 3b, for pictures on a plain background: their foregrounds must agree, in the whole frame or in the content box',
  );

const embeddingObjectSchema = z.strictObject({
  model: z.string().min(1).describe('ONNX model file'),
  inputName: z.string().optional().describe('Input tensor name (default: the first input)'),
  outputName: z.string().optional().describe('Output tensor name (default: the first output)'),
  inputSize: z.number().int().min(8).max(1024).default(224).describe('Square input side in pixels'),
  layout: z.enum(['NCHW', 'NHWC']).default('NCHW'),
  mean: z
    .tuple([z.number(), z.number(), z.number()])
    .default([0.485, 0.456, 0.406])
    .describe('Per-channel mean, pixels in 0..1'),
  std: z
    .tuple([z.number(), z.number(), z.number()])
    .default([0.229, 0.224, 0.225])
    .describe('Per-channel std'),
  greyscale: z.boolean().default(false).describe('Feed the grey image (greyscale copies embed alike)'),
  flipSum: z
    .boolean()
    .default(false)
    .describe('Sum the embeddings of the image and its mirror image (flipped copies embed alike)'),
});

/** `features.embedding: "mobilenet"`: the converted MobileNetV2, NHWC RGB in 0..1, grey and flip-summed. */
export const MOBILENET_EMBEDDING: z.output<typeof embeddingObjectSchema> = {
  model: BUILTIN_MOBILENET,
  inputSize: 224,
  layout: 'NHWC',
  mean: [0, 0, 0],
  std: [1, 1, 1],
  greyscale: true,
  flipSum: true,
};

export const detailVerifySettingsSchema = z
  .strictObject({
    minBlock: z
      .number()
      .min(-1)
      .max(1)
      .default(0.3)
      .describe(
        'Min SSIM of the worst block (a quarter of the side) of the 64x64 grey views (whole frame, or content box aligned for small crops); -1 turns the stage off',
      ),
  })
  .describe(
    'Stage 3c, for pairs that passed every cheaper stage: the pictures must agree in detail (twice the resolution of stage 3)',
  );

export const featureSettingsSchema = z
  .strictObject({
    limitInputPixels: z
      .number()
      .int()
      .positive()
      .default(100_000_000)
      .describe('Images with more pixels are skipped as decompression bombs'),
    thumbSize: z.number().int().min(8).max(128).default(32).describe('Side of the grey SSIM thumbnail'),
    hsvBins: z
      .strictObject({
        h: z.number().int().min(1).max(64),
        s: z.number().int().min(1).max(32),
        v: z.number().int().min(1).max(32),
      })
      .default({ h: 8, s: 4, v: 4 })
      .describe('HSV histogram bins per axis'),
    variants: z
      .boolean()
      .default(false)
      .describe('Also hash mirrored and rotated copies (finds flipped duplicates)'),
    foreground: foregroundSettingsSchema.default(foregroundSettingsSchema.parse({})),
    embedding: z
      .union([
        z
          .literal('mobilenet')
          .transform(() => ({ ...MOBILENET_EMBEDDING }))
          .describe(
            'The built-in MobileNetV2 (pipeline assets fetch --only mobilenet): grey input, flip-summed; finds flipped, greyscale and some rotated/cropped copies',
          ),
        embeddingObjectSchema,
      ])
      .optional()
      .describe('Optional CNN embedding: "mobilenet" or a user ONNX model'),
  })
  .describe('Feature extraction');

export const verifySettingsSchema = z
  .strictObject({
    indexHash: hashKindSchema.default('whash').describe('Hash the candidate index searches on'),
    maxHashDistance: z
      .number()
      .int()
      .min(0)
      .max(32)
      .default(12)
      .describe('Stage 1: max Hamming distance of candidates'),
    minColour: z.number().min(0).max(1).default(0.45).describe('Stage 2: min HSV histogram intersection'),
    minStructure: z
      .number()
      .min(-1)
      .max(1)
      .default(0.45)
      .describe('Stage 3: min SSIM of the grey thumbnails'),
    minEmbedding: z
      .number()
      .min(-1)
      .max(1)
      .default(0.85)
      .describe('Stage 4: min cosine similarity of embeddings'),
    embeddingMatch: z
      .number()
      .min(-1)
      .max(1)
      .default(0.93)
      .describe(
        'With an embedding: pairs whose embeddings reach this cosine are duplicates even when their hashes differ (flipped, greyscale, rotated, cropped copies); 1 turns embedding candidates off',
      ),
    foreground: foregroundVerifySettingsSchema.default(foregroundVerifySettingsSchema.parse({})),
    detail: detailVerifySettingsSchema.default(detailVerifySettingsSchema.parse({})),
    workingSet: z
      .number()
      .int()
      .min(2)
      .default(DEFAULT_WORKING_SET)
      .describe(
        'Images whose feature data verification holds at most (about 700 bytes each); more images than this are read from the feature cache again when needed. Changes memory and speed, never results',
      ),
  })
  .describe('Candidate search and verification thresholds');

export const groupingSettingsSchema = z
  .strictObject({
    minLinkFraction: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe(
        'Fraction of cross pairs that must be verified for two groups to merge (1 = complete linkage)',
      ),
  })
  .describe('Global refinement');

export const keeperCriterionSchema = z.enum(['resolution', 'size', 'oldest', 'newest', 'shortest-path']);
export type KeeperCriterion = z.infer<typeof keeperCriterionSchema>;

export const actionSettingsSchema = z
  .strictObject({
    action: z.enum(['report', 'move', 'hardlink', 'delete']).default('report'),
    keeperOrder: z.array(keeperCriterionSchema).min(1).default(['resolution', 'size', 'oldest']),
    targetDir: z
      .string()
      .optional()
      .describe('Folder duplicates are moved to (move) or trashed into (delete)'),
    confirm: z.boolean().default(false).describe('Without it every destructive action is a dry run'),
  })
  .describe('What to do with duplicates');

export const dedupSettingsSchema = z
  .strictObject({
    features: featureSettingsSchema.default(featureSettingsSchema.parse({})),
    verify: verifySettingsSchema.default(verifySettingsSchema.parse({})),
    grouping: groupingSettingsSchema.default(groupingSettingsSchema.parse({})),
    actions: actionSettingsSchema.default(actionSettingsSchema.parse({})),
  })
  .describe('Dedup stage settings (every field optional; defaults tuned on the labelled sample corpus)');

/** Parsed feature settings; the compiler checks the hash worker's kernel accepts them. */
export type FeatureSettings = Conform<z.infer<typeof featureSettingsSchema>, Kernel.FeatureSettings>;
export type EmbeddingSettings = NonNullable<FeatureSettings['embedding']>;
/** Parsed verification settings; the compiler checks the verification kernel accepts them. */
export type VerifySettings = Conform<z.infer<typeof verifySettingsSchema>, Kernel.VerifySettings>;
export type GroupingSettings = z.infer<typeof groupingSettingsSchema>;
export type ActionSettings = z.infer<typeof actionSettingsSchema>;
export type DedupSettings = z.infer<typeof dedupSettingsSchema>;

/** All defaults, fully resolved. */
export function defaultDedupSettings(): DedupSettings {
  return dedupSettingsSchema.parse({});
}
