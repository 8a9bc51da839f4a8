import type { ChannelConfig } from '../../../config/schema/channel';
import type { BufferPolicy } from '../../../operators/bounded-buffer';
import { parseSource } from './source-uri';

/** The frame buffer between a channel's reader and detection: what `boundedBuffer` is given. */
export interface FrameBufferSettings {
  capacity: number;
  policy: BufferPolicy;
  /** Policy `max-age`: frames waiting this long (ms) are dropped instead of detected. */
  maxAgeMs?: number;
}

/**
 * Defaults of a live (or paced) channel's buffer: frames are kept until they are half a second old, at most
 * 25 of them. A stream delivers frames in bursts and a frame carrying a face crop holds its detect slot
 * longer, so a count of 2 dropped frames while the CPU was idle; an age bound drops only when detection is
 * really behind (a frame would be stale by the time it is detected), and the count bounds memory.
 */
export const LIVE_FRAME_BUFFER = { capacity: 25, maxAgeMs: 500 } as const;

/** Capacity of a `wait` buffer (files read as fast as possible): enough to keep detection busy. */
export const PULL_FRAME_BUFFER_CAPACITY = 2;

/**
 * A channel's frame buffer: the `buffer` settings it gives, completed with the defaults. Files read `asap`
 * wait (the reader is pulled only when there is room); live sources and paced files keep frames by age
 * ({@link LIVE_FRAME_BUFFER}). A configured policy keeps its own meaning: `drop-oldest`/`drop-newest`
 * default to a capacity of 2 as before, `max-age` to the live defaults.
 */
export function frameBufferOf(
  config: Pick<ChannelConfig, 'source' | 'pace' | 'buffer'>,
): FrameBufferSettings {
  const { capacity, policy, maxAgeMs } = config.buffer;
  const kind = parseSource(config.source).kind;
  const live = kind === 'stream' || kind === 'device';
  const chosen: BufferPolicy = policy ?? (!live && config.pace === 'asap' ? 'wait' : 'max-age');
  if (chosen === 'max-age') {
    return {
      policy: chosen,
      capacity: capacity ?? LIVE_FRAME_BUFFER.capacity,
      maxAgeMs: maxAgeMs ?? LIVE_FRAME_BUFFER.maxAgeMs,
    };
  }
  return { policy: chosen, capacity: capacity ?? PULL_FRAME_BUFFER_CAPACITY, maxAgeMs };
}
