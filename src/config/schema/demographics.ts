/** Config of gender/age: per channel (`channels[].demographics`) and the shared queue (root `demographics`). */
import { z } from 'zod';
import { settleSchema } from './settle';
import { classifierConfigSchema } from './face-models';

/** `channels[].demographics`: age and gender per confirmed track. */
export const demographicsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Estimate gender and age on this channel'),
    model: classifierConfigSchema.prefault({ type: 'face-api' }),
    everyFrames: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('At most one classification per track every this many frames'),
    minFaceSize: z.number().min(8).default(32).describe('Faces narrower than this (px) are not classified'),
    minScore: z.number().min(0).max(1).default(0.6).describe('Faces scoring lower are not classified'),
    maxSamples: z.number().int().min(1).default(15).describe('Samples per track at most (smoothing window)'),
    settle: settleSchema(
      {
        samples: z.number().int().min(1).default(5),
        genderConfidence: z.number().min(0.5).max(1).default(0.85),
        ageSpread: z.number().min(0).default(5),
      },
      'Stop classifying a track early once it has `samples` samples, a gender confidence of at least `genderConfidence` and an age spread (standard deviation of the kept samples, years) of at most `ageSpread`; false: classify up to maxSamples',
    ),
  })
  .describe('Gender and age estimation per track');

/** Root `demographics`: the priority queue in front of the classify pool, shared by all channels. */
export const demographicsQueueSchema = z
  .strictObject({
    queueCapacity: z
      .number()
      .int()
      .min(1)
      .default(128)
      .describe('Faces waiting for the classify pool at most; overflow drops the lowest priority'),
    batchSize: z.number().int().min(1).max(64).default(8).describe('Faces per classify pool call at most'),
  })
  .describe('Shared gender/age queue: new tracks and tracks with the fewest samples first');

export type DemographicsConfig = z.infer<typeof demographicsSchema>;
export type DemographicsQueueConfig = z.infer<typeof demographicsQueueSchema>;
