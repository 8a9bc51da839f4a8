import type { FrameResult } from '../../src/pipelines/camera/channel';
import type { Box } from '../../src/kernels/frame';
import type { DetectionWithCrops, FaceCrops } from '../../src/kernels/faces/face-crop';
import type { Track, TrackEvent } from '../../src/pipelines/camera/tracker/tracker';

/** A confirmed track's face in a test frame. */
export interface TestFace {
  track: number;
  hits: number;
  crops: FaceCrops;
  box?: Box;
  score?: number;
}

/**
 * A tracked frame result as the face-analysis stages receive it: every face a confirmed track with its
 * crops; `ended` tracks end on this frame.
 */
export function faceFrame(
  channel: string,
  seq: number,
  faces: TestFace[],
  ended: Array<{ track: number; hits: number }> = [],
): FrameResult {
  const detections: DetectionWithCrops[] = faces.map((f) => ({
    box: f.box ?? [0, 0, 64, 64],
    score: f.score ?? 0.9,
    crops: f.crops,
  }));
  const track = (f: { track: number; hits: number }, i?: number) =>
    ({
      id: f.track,
      state: 'confirmed',
      hits: f.hits,
      firstSeen: 0,
      detection: i === undefined ? undefined : { box: detections[i].box, score: detections[i].score },
    }) as Track;
  const events: TrackEvent[] = ended.map((f) => ({ type: 'ended', track: track(f), seq, timestamp: seq }));
  return {
    channel,
    seq,
    capturedAt: seq,
    width: 640,
    height: 480,
    detectedAt: seq,
    detections,
    tracking: {
      seq,
      timestamp: seq,
      tracks: faces.map((f, i) => track(f, i)),
      events,
      trackIds: faces.map((f) => f.track),
    },
  };
}

/** Lets every promise chain and immediate callback queued so far run (no wall-clock waiting). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
