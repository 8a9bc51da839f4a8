import { replayDetectEvery, replayTracker } from '../../bench/lib/tracking-eval';
import type { Box } from '../../src/kernels/frame';

/** One face moving right 4 px a frame, detected on every frame. */
const frames = Array.from({ length: 12 }, (_, seq) => ({
  seq,
  capturedAt: seq * 40,
  detections: [{ box: [100 + seq * 4, 100, 150 + seq * 4, 150] as Box, score: 0.9 }],
}));

describe('replayDetectEvery', () => {
  it('with every frame detected, is the plain tracker replay', () => {
    expect(replayDetectEvery(frames, 1, {})).toEqual(replayTracker(frames, {}));
  });

  it('between detections, reports the confirmed tracks at their predicted boxes', () => {
    const out = replayDetectEvery(frames, 2, { minHits: 2 });
    // Frames 0 and 2 confirm the track (minHits 2): frame 1 shows nothing, frame 3 the predicted box.
    expect(out[1].detections).toEqual([]);
    expect(out[2].detections).toBe(frames[2].detections);
    expect(out[3].tracking.trackIds).toEqual([1]);
    const [x1] = out[3].detections[0].box;
    // Moved on by the velocity of its last two matches (Kalman-filtered boxes: close to 4 px a frame).
    expect(x1).toBeGreaterThan(frames[2].detections[0].box[0]);
    expect(Math.abs(x1 - frames[3].detections[0].box[0])).toBeLessThan(4);
    expect(out.filter((f, i) => i % 2 === 1 && i > 2).every((f) => f.detections.length === 1)).toBe(true);
  });
});
