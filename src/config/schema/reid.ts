/** Config of Re-ID: per channel (`channels[].reid`) and the shared gallery (root `identities`). */
import { z } from 'zod';
import { settleSchema } from './settle';
import { embedderConfigSchema } from './face-models';

/** `channels[].reid`: face embeddings for confirmed tracks, matched against the shared gallery. */
export const reidSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Compute identities on this channel'),
    model: embedderConfigSchema.prefault({ type: 'face-api' }),
    everyFrames: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('At most one embedding per track every this many frames'),
    qualityGain: z
      .number()
      .min(1)
      .default(1.1)
      .describe('Re-embed a track only when its face quality (width x score) beats its best by this factor'),
    minFaceSize: z.number().min(8).default(32).describe('Faces narrower than this (px) are not embedded'),
    minScore: z.number().min(0).max(1).default(0.6).describe('Faces scoring lower are not embedded'),
    maxSamples: z.number().int().min(1).default(8).describe('Embeddings per track at most'),
    continueWithinMs: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe(
        "A new track whose first embedding matches (identities.threshold) a track of the same channel that was last seen at most this long before the new one started continues it: its attributes say `continues: <that track's id>` and it takes that track's identity. 0: off",
      ),
    settle: settleSchema(
      {
        samples: z.number().int().min(1).default(3),
        similarity: z.number().min(0).max(1).default(0.95),
      },
      'Stop embedding a track early once `samples` embeddings in a row matched its identity at `similarity` or more (each embedding costs ~15 ms of CPU); false: embed up to maxSamples',
    ),
  })
  .describe('Re-identification of faces (identities shared across channels)');

/** Root `identities`: the gallery every channel matches against. */
export const identitiesSchema = z
  .strictObject({
    threshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.92)
      .describe(
        'Cosine similarity at or above which a face is the same identity. face-api descriptors share a large common component, so unrelated faces still reach 0.88: keep it near 0.92 for the built-in model',
      ),
    maxWeight: z
      .number()
      .int()
      .min(1)
      .default(50)
      .describe('Samples weighing in an identity mean at most (later samples keep adapting it)'),
    batchSize: z.number().int().min(1).max(64).default(16).describe('Faces per embed pool call at most'),
  })
  .describe('Identity gallery shared by all channels, persisted in the database');

export type ReidConfig = z.infer<typeof reidSchema>;
export type IdentitiesConfig = z.infer<typeof identitiesSchema>;
