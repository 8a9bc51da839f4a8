import type { Frame } from '../../../src/kernels/frame';

/** A 640x480 frame of channel 'cam' captured at 25 FPS (seq * 40 ms), for channel marble tests. */
export const frame = (seq: number): Frame => ({
  channel: 'cam',
  seq,
  capturedAt: seq * 40,
  width: 640,
  height: 480,
});
