import { z } from 'zod';
import { detectorConfigSchema } from './detector';
import { demographicsSchema } from './demographics';
import { reidSchema } from './reid';
import { TRACKER_DEFAULTS } from '../../pipelines/camera/tracker/tracker';

/** Default pixel limit of image-folder sources (40 Mpx: a 7300x5500 picture, 120 MB as BGR). */
export const DEFAULT_MAX_IMAGE_PIXELS = 40_000_000;

const bufferSchema = z
  .strictObject({
    capacity: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Most frames held between the reader and detection (default: 25 under max-age, else 2)'),
    policy: z
      .enum(['wait', 'drop-oldest', 'drop-newest', 'max-age'])
      .optional()
      .describe(
        'wait (pull the source only when there is room; default for files read asap), max-age (drop frames older ' +
          'than maxAgeMs, and the oldest when full; default for live and paced sources), drop-oldest (keep the ' +
          'latest frames), drop-newest',
      ),
    maxAgeMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Policy max-age: drop frames waiting longer than this (ms, default 500)'),
  })
  .describe(
    'Bounded frame buffer between the reader and detection (default for live sources: frames up to 500 ms old, at most 25)',
  );

const trackerSchema = z
  .strictObject({
    iouThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(TRACKER_DEFAULTS.iouThreshold)
      .describe('Minimum IoU to match a detection to a track'),
    minHits: z
      .number()
      .int()
      .min(1)
      .default(TRACKER_DEFAULTS.minHits)
      .describe('Matches before a track is confirmed'),
    maxAge: z
      .number()
      .int()
      .min(0)
      .default(TRACKER_DEFAULTS.maxAge)
      .describe('Frames a confirmed track may be missed (lost, its box predicted) before it ends'),
    maxTentativeMissed: z
      .number()
      .int()
      .min(0)
      .default(TRACKER_DEFAULTS.maxTentativeMissed)
      .describe('Frames a tentative (not yet confirmed) track may be missed before it ends'),
    kalman: z
      .boolean()
      .default(TRACKER_DEFAULTS.useKalman)
      .describe('Predict boxes with a constant-velocity Kalman filter (false: match against the last box)'),
    trackScore: z
      .number()
      .min(0)
      .max(1)
      .default(TRACKER_DEFAULTS.trackScore)
      .describe(
        "Detections scoring at least this start tracks and are matched first; lower ones (down to the detector's scoreThreshold) only continue confirmed tracks in a second pass (ByteTrack). 0: one pass",
      ),
    lowScoreIouThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(TRACKER_DEFAULTS.lowScoreIouThreshold)
      .describe('Minimum IoU of the second, low-score pass'),
    reacquireDistance: z
      .number()
      .min(0)
      .default(TRACKER_DEFAULTS.reacquireDistance)
      .describe(
        'A confirmed or lost track left unmatched by IoU takes a confident detection whose centre is within this many box heights of its predicted centre (size within 1.5x): re-acquires faces after occlusions. 0: off',
      ),
    duplicateOverlap: z
      .number()
      .min(0)
      .max(1)
      .default(TRACKER_DEFAULTS.duplicateOverlap)
      .describe(
        'A confident detection left over after matching starts no track when this fraction of the smaller of it and a detection taken by a confirmed or lost track lies inside the other (one face boxed twice). 0: off',
      ),
  })
  .describe(
    'Face tracker (SORT with a Kalman filter, ByteTrack low-score pass, re-acquisition of lost tracks)',
  );

const reconnectSchema = z
  .strictObject({
    baseMs: z.number().int().positive().default(250).describe('First retry after about this long (ms)'),
    maxMs: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe(
        'Longest pause between retries (ms); a network stream is first checked with a cheap TCP connect',
      ),
    maxAttempts: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Give up after this many failed attempts (default: never)'),
  })
  .describe('Reconnect with exponential backoff');

/** Channel settings that `channelDefaults` may set for every channel. */
const channelSettings = {
  pace: z
    .union([z.literal('native'), z.literal('asap'), z.number().positive()])
    .optional()
    .describe(
      'native: the source frame rate (default for files); asap: as fast as possible; a number: frames per second',
    ),
  loop: z.boolean().default(false).describe('Restart a file at its end'),
  decoderThreads: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('FFmpeg decoder threads for this source (1 suits many channels on few cores)'),
  fullFrames: z
    .enum(['auto', 'always', 'never'])
    .default('auto')
    .describe(
      'Which pictures the decoder hands over. auto: FFmpeg letterboxes every frame to the detector input (much cheaper than full frames) and adds a full frame every fullFrameEvery frames only when something needs them (Re-ID/gender-age face crops, the live view); detectors without a fixed input (Haar) get full frames. always: full frames only, every frame, the detector resizes them. never: the resized input only',
    ),
  fullFrameEvery: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      "With fullFrames 'auto': every how many frames a full frame comes along for face crops and the live view (1: every frame). Default: the smallest everyFrames of the enabled reid/demographics stages, else 5",
    ),
  maxFrames: z.number().int().positive().optional().describe('Stop after this many frames'),
  maxImagePixels: z
    .int()
    .positive()
    .default(DEFAULT_MAX_IMAGE_PIXELS)
    .describe(
      'Image-folder sources: images with more pixels (from their header) are skipped and reported, never decoded',
    ),
  stallTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('No frame for this long: stalled, reconnect'),
  reconnect: reconnectSchema.prefault({}),
  buffer: bufferSchema.prefault({}),
  detector: detectorConfigSchema.prefault({ type: 'blazeface' }),
  detectConcurrency: z
    .number()
    .int()
    .min(1)
    .default(2)
    .describe('Frames of this channel in the detect pool at once'),
  detectEvery: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('Detect on every Nth frame; the frames between report the tracks at their predicted boxes'),
  tracker: trackerSchema.prefault({}),
  detections: z
    .union([z.enum(['all', 'none']), z.strictObject({ every: z.number().int().min(1) })])
    .default('all')
    .describe('Which detections to store: all, none, or those of every Nth frame'),
  reid: reidSchema.optional(),
  demographics: demographicsSchema.optional(),
};

/** One camera channel. */

export const channelSchema = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." or "-"')
      .describe('Channel id, unique in the file'),
    source: z
      .string()
      .min(1)
      .describe(
        'Video file, rtsp:// or http(s):// URL (credentials via ${ENV}), /dev/videoN, or a folder of images',
      ),
    enabled: z.boolean().default(true),
    ...channelSettings,
  })
  .describe('A camera channel');

/** Settings applied to every channel unless the channel sets them (merged before validation). */
export const channelDefaultsSchema = channelSchema
  .omit({ id: true, source: true })
  .partial()
  .describe('Defaults for every channel: any channel setting except id and source');

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Merges `channelDefaults` into every entry of `channels` in the raw (unvalidated) config, one level deep
 * for object settings (so a channel may override `detector.scoreThreshold` alone).
 */
export function applyChannelDefaults(raw: unknown): unknown {
  if (!isPlainObject(raw) || !isPlainObject(raw.channelDefaults) || !Array.isArray(raw.channels)) return raw;
  const defaults = raw.channelDefaults;
  const channels = raw.channels.map((ch) => {
    if (!isPlainObject(ch)) return ch;
    const merged: Record<string, unknown> = { ...defaults, ...ch };
    for (const [k, v] of Object.entries(defaults)) {
      if (isPlainObject(v) && isPlainObject(ch[k])) {
        // A different detector type shares no settings with the default one.
        const sameKind =
          k !== 'detector' || (ch[k] as Record<string, unknown>).type === undefined || ch[k].type === v.type;
        merged[k] = sameKind ? { ...v, ...ch[k] } : ch[k];
      }
    }
    return merged;
  });
  return { ...raw, channels };
}

export type ChannelConfig = z.infer<typeof channelSchema>;
export type ChannelConfigInput = z.input<typeof channelSchema>;
