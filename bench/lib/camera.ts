import { assetPath } from '../../src/assets';
import { parseConfig, type RxvisionConfig } from '../../src/config';
import type { ChannelConfig } from '../../src/config/schema/channel';
import { detectorKey } from '../../src/kernels/detectors';
import { faceCropRequest, poolClassify, poolEmbed } from '../../src/pipelines/camera/reid/face-analysis';
import { detectPool } from '../../src/pools/kinds';
import { closeAllPools, configurePools } from '../../src/pools/registry';

/** The sample videos channels cycle through (Megamind: a face in most frames; vtest: pedestrians). */
export const SAMPLE_VIDEOS = ['Megamind.avi', 'vtest.avi'];

/**
 * Channel settings a whole bench run can be given from the environment (they reach every case's child
 * process): RXVISION_BENCH_DETECT_EVERY (channel detectEvery), RXVISION_BENCH_VARIANT (BlazeFace variant).
 */
function envChannelDefaults(): Record<string, unknown> {
  const every = process.env.RXVISION_BENCH_DETECT_EVERY;
  const variant = process.env.RXVISION_BENCH_VARIANT;
  return {
    ...(every ? { detectEvery: Number(every) } : {}),
    ...(variant ? { detector: { type: 'blazeface', variant } } : {}),
  };
}

/**
 * A config of `n` channels on the sample videos with the default BlazeFace detector (or the environment's
 * settings, see {@link envChannelDefaults}).
 */
export function cameraConfig(
  n: number,
  options: {
    pace: 'asap' | number;
    loop?: boolean;
    maxFrames?: number;
    detectWorkers: number;
    fullFrames?: 'auto' | 'always' | 'never';
    /** Re-ID and gender/age on every channel (embed and classify pools of 1 worker each). */
    faces?: boolean;
    /** Channel detectEvery (default: the channel default, or RXVISION_BENCH_DETECT_EVERY). */
    detectEvery?: number;
  },
): RxvisionConfig {
  return parseConfig(
    {
      pools: {
        detect: { size: options.detectWorkers },
        ...(options.faces ? { embed: { size: 1 }, classify: { size: 1 } } : {}),
      },
      channelDefaults: {
        pace: options.pace,
        loop: options.loop ?? false,
        ...(options.fullFrames ? { fullFrames: options.fullFrames } : {}),
        ...(options.faces ? { reid: { enabled: true }, demographics: { enabled: true } } : {}),
        ...(options.maxFrames ? { maxFrames: options.maxFrames } : {}),
        ...envChannelDefaults(),
        ...(options.detectEvery ? { detectEvery: options.detectEvery } : {}),
      },
      channels: Array.from({ length: n }, (_, i) => ({
        id: `cam${i + 1}`,
        source: assetPath('samples', SAMPLE_VIDEOS[i % SAMPLE_VIDEOS.length]),
      })),
    },
    'bench-config.json',
  );
}

/**
 * Starts the shared `detect` pool the way `runChannels` will ask for it, with the channels' detector
 * preloaded in every worker, so model loading is not part of the measured run.
 */
export async function warmDetectPool(config: RxvisionConfig): Promise<void> {
  configurePools(config.pools);
  const keys = [...new Set((config.channels ?? []).map((c: ChannelConfig) => detectorKey(c.detector)))];
  const pool = detectPool({ initArgs: [{ preload: keys }] });
  await pool.ready();
}

/**
 * Loads the Re-ID and gender/age models in the `embed` and `classify` pools (one blank crop each), so a
 * face run, like a detection run with {@link warmDetectPool}, does not time model loading.
 */
export async function warmFacePools(config: RxvisionConfig): Promise<void> {
  const channel = config.channels?.[0];
  const request = channel ? faceCropRequest(channel) : undefined;
  if (!channel || !request) return;
  const blank = (size: number) => new Uint8Array(size * size * 3);
  if (channel.reid?.enabled && request.specs.embed) {
    await poolEmbed()(channel.reid.model, [blank(request.specs.embed.size)]);
  }
  if (channel.demographics?.enabled && request.specs.classify) {
    await poolClassify()(channel.demographics.model, [blank(request.specs.classify.size)]);
  }
}

/**
 * Closes the pools after their queued tasks finish: terminating a worker while onnxruntime runs in it
 * aborts the whole process.
 */
export async function stopPools(): Promise<void> {
  await closeAllPools({ drainMs: 30_000 });
}
