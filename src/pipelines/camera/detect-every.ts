/**
 * Detection on every Nth frame (channel `detectEvery`), with the tracks' boxes predicted in between. A fixed
 * camera's faces move a few pixels per frame, so detecting on every second or third frame costs little
 * recall while the detect pool does a half or a third of the work (see README, "Face sizes and detector
 * cost").
 */
import type { OperatorFunction } from 'rxjs';
import { mapDemand } from '../../operators/demand';
import type { Box } from '../../kernels/frame';
import type { Track, TrackUpdate } from './tracker';

/** A frame and whether it goes to the detector. */
export interface Scheduled<T> {
  frame: T;
  /** False: no detection; the channel reports the tracks at their predicted boxes. */
  detect: boolean;
}

/**
 * Marks every `every`th frame for detection, starting with the first; the others pass with `detect: false`.
 * Counts the frames that reach it (after the frame buffer), so a dropped frame does not shift detection
 * away from the frames that are there. Sits between the buffer and `inPool` and keeps their credit link.
 *
 * ```
 * frames:        a-b-c-d-e-f-|
 * detectEvery(3) A-b-c-D-e-f-|   (capital: detect)
 * ```
 */
export function detectEvery<T>(every: number): OperatorFunction<T, Scheduled<T>> {
  if (!(Number.isInteger(every) && every >= 1))
    throw new Error(`detectEvery must be an integer >= 1, got ${every}`);
  // Demand passes through (mapDemand), so the frame buffer in front still feeds inPool by credit.
  return (source) => {
    let index = 0;
    return mapDemand(source, (frame) => ({ frame, detect: index++ % every === 0 }));
  };
}

interface Motion {
  box: Box;
  seq: number;
  /** Box change per frame, from the last two matches. */
  velocity: Box;
}

/**
 * Predicts the tracks' boxes on frames without detection: each track moves on at the velocity of its last
 * two matched detections (constant velocity, per frame). `observe` every tracker update (frames with
 * detection); `predict` for the frames between.
 */
export interface TrackPredictor {
  /** Learns the tracks' motion from a tracker update and returns the update unchanged. */
  observe(update: TrackUpdate): TrackUpdate;
  /** The live tracks at frame `seq`, boxes moved on from their last match; no events, no detections. */
  predict(seq: number, timestamp: number): TrackUpdate;
}

/** A {@link TrackPredictor} for one channel. */
export function createTrackPredictor(): TrackPredictor {
  const motion = new Map<number, Motion>();
  let tracks: Track[] = [];
  return {
    observe(update) {
      tracks = update.tracks;
      const alive = new Set<number>();
      for (const t of update.tracks) {
        alive.add(t.id);
        if (!t.detection) continue; // not matched on this frame: keep its last motion
        const before = motion.get(t.id);
        const velocity: Box =
          before && t.lastSeq > before.seq
            ? (t.box.map((v, i) => (v - before.box[i]) / (t.lastSeq - before.seq)) as Box)
            : [0, 0, 0, 0];
        motion.set(t.id, { box: [...t.box] as Box, seq: t.lastSeq, velocity });
      }
      for (const id of motion.keys()) if (!alive.has(id)) motion.delete(id);
      return update;
    },
    predict(seq, timestamp) {
      const predicted = tracks.map((t): Track => {
        const m = motion.get(t.id);
        const { detection: _matched, ...rest } = t;
        if (!m) return rest;
        const box = m.box.map((v, i) => v + m.velocity[i] * (seq - m.seq)) as Box;
        return { ...rest, box };
      });
      return { seq, timestamp, tracks: predicted, events: [], trackIds: [] };
    },
  };
}
