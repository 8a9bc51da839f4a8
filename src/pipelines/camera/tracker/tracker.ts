import { boxArea, iou, type Box, type Detection } from '../../../kernels/frame';
import { hungarian } from './hungarian';
import { BoxKalman } from './kalman';

/** Lifecycle: tentative (fewer than minHits) -> confirmed -> lost (missed frames) -> ended. */
export type TrackState = 'tentative' | 'confirmed' | 'lost' | 'ended';

/** A detection as kept by a track, with the frame it came from. */
export interface TrackedDetection extends Detection {
  seq: number;
  timestamp: number;
}

/** Snapshot of one track after an update (a new object every update; safe to keep). */
export interface Track {
  /** Per-tracker id, increasing from `firstId`, never reused. */
  id: number;
  state: TrackState;
  /** Current box: the matched (Kalman-filtered when on) box, or the prediction/last box when missed. */
  box: Box;
  /** The detection matched in this frame, if any. */
  detection?: Detection;
  /** Best detection so far: highest score * sqrt(area), i.e. confident and large. */
  best: TrackedDetection;
  firstSeq: number;
  lastSeq: number;
  /** Timestamps (ms) of the first and last matched frames. */
  firstSeen: number;
  lastSeen: number;
  /** Frames spanned from first to last match (lastSeq - firstSeq + 1). */
  frames: number;
  /** Frames in which the track was matched. */
  hits: number;
  /** Consecutive frames without a match. */
  missed: number;
}

/** started: new track; confirmed: reached minHits; lost: confirmed track missed a frame; recovered: lost
 * track matched again; ended: gone for good (missed past maxAge, tentative missed, or finish()). */
export type TrackEventType = 'started' | 'confirmed' | 'lost' | 'recovered' | 'ended';

export interface TrackEvent {
  type: TrackEventType;
  track: Track;
  seq: number;
  timestamp: number;
}

/** Result of one {@link Tracker.update}. */
export interface TrackUpdate {
  seq: number;
  timestamp: number;
  /** Tracks still alive (tentative, confirmed, lost), by id. */
  tracks: Track[];
  /** Lifecycle events of this update, in order. */
  events: TrackEvent[];
  /** For every input detection (same index), the id of the track it went to. */
  trackIds: number[];
}

export interface TrackerOptions {
  /** Minimum IoU between a track's (predicted) box and a detection to match them (default 0.3). */
  iouThreshold?: number;
  /** Matches needed before a track is confirmed (default 3; 1 confirms at once). */
  minHits?: number;
  /** Frames a confirmed track may stay unmatched (lost) before it ends (default 30). */
  maxAge?: number;
  /** Frames a tentative track may stay unmatched before it ends (default 0: ends on its first miss). */
  maxTentativeMissed?: number;
  /** Predict boxes with a constant-velocity Kalman filter (default false: match against the last box). */
  useKalman?: boolean;
  /** First track id (default 1). */
  firstId?: number;
}

/** A per-channel SORT-style tracker; pure and synchronous. */
export interface Tracker {
  /** Feeds the detections of one frame. `seq` must increase; gaps count as frames passed. */
  update(detections: readonly Detection[], seq: number, timestamp: number): TrackUpdate;
  /** Ends every live track (end of stream) and returns their `ended` events. */
  finish(seq: number, timestamp: number): TrackEvent[];
  /** Live tracks right now. */
  tracks(): Track[];
}

interface TrackRecord {
  id: number;
  state: TrackState;
  box: Box;
  detection?: Detection;
  best: TrackedDetection;
  firstSeq: number;
  lastSeq: number;
  firstSeen: number;
  lastSeen: number;
  hits: number;
  missed: number;
  kalman?: BoxKalman;
}

/** Quality used to pick a track's best detection. */
function quality(d: Detection): number {
  return d.score * Math.sqrt(boxArea(d.box));
}

function snapshot(t: TrackRecord): Track {
  const track: Track = {
    id: t.id,
    state: t.state,
    box: [...t.box] as Box,
    best: t.best,
    firstSeq: t.firstSeq,
    lastSeq: t.lastSeq,
    firstSeen: t.firstSeen,
    lastSeen: t.lastSeen,
    frames: t.lastSeq - t.firstSeq + 1,
    hits: t.hits,
    missed: t.missed,
  };
  if (t.detection) track.detection = t.detection;
  return track;
}

/**
 * Creates a SORT-style IoU tracker: each frame, live tracks are predicted (Kalman, or their last box),
 * matched to detections by minimum total (1 - IoU) with the Hungarian algorithm, pairs below
 * `iouThreshold` rejected; unmatched detections start tentative tracks.
 */
export function createTracker(options: TrackerOptions = {}): Tracker {
  const iouThreshold = options.iouThreshold ?? 0.3;
  const minHits = options.minHits ?? 3;
  const maxAge = options.maxAge ?? 30;
  const maxTentativeMissed = options.maxTentativeMissed ?? 0;
  const useKalman = options.useKalman ?? false;
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new Error('tracker: iouThreshold must be in [0, 1]');
  if (!(Number.isInteger(minHits) && minHits >= 1))
    throw new Error('tracker: minHits must be an integer >= 1');
  if (!(Number.isInteger(maxAge) && maxAge >= 0)) throw new Error('tracker: maxAge must be an integer >= 0');
  let nextId = options.firstId ?? 1;
  let live: TrackRecord[] = [];
  let lastSeq: number | undefined;

  function update(detections: readonly Detection[], seq: number, timestamp: number): TrackUpdate {
    if (lastSeq !== undefined && seq <= lastSeq) {
      throw new Error(`tracker: frame seq ${seq} is not after the previous ${lastSeq}`);
    }
    const dt = lastSeq === undefined ? 1 : seq - lastSeq;
    lastSeq = seq;
    const events: TrackEvent[] = [];
    const emit = (type: TrackEventType, t: TrackRecord) =>
      events.push({ type, track: snapshot(t), seq, timestamp });

    const predicted = live.map((t) => (t.kalman ? t.kalman.predict(dt) : t.box));
    const cost = live.map((_, ti) =>
      detections.map((d) => {
        const overlap = iou(predicted[ti], d.box);
        // Pairs under the threshold cost more than any valid pair so valid matches are maximised first.
        return overlap >= iouThreshold && overlap > 0 ? 1 - overlap : 1e6;
      }),
    );
    const assignment = hungarian(cost);
    const trackIds = new Array<number>(detections.length).fill(-1);
    const survivors: TrackRecord[] = [];

    live.forEach((t, ti) => {
      const di = assignment[ti];
      if (di >= 0 && cost[ti][di] < 1e6) {
        const d = detections[di];
        trackIds[di] = t.id;
        t.box = t.kalman ? t.kalman.update(d.box) : d.box;
        t.detection = d;
        t.hits++;
        t.missed = 0;
        t.lastSeq = seq;
        t.lastSeen = timestamp;
        if (quality(d) > quality(t.best)) t.best = { ...d, seq, timestamp };
        if (t.state === 'tentative' && t.hits >= minHits) {
          t.state = 'confirmed';
          emit('confirmed', t);
        } else if (t.state === 'lost') {
          t.state = 'confirmed';
          emit('recovered', t);
        }
        survivors.push(t);
        return;
      }
      t.detection = undefined;
      t.box = predicted[ti];
      t.missed += dt;
      const limit = t.state === 'tentative' ? maxTentativeMissed : maxAge;
      if (t.missed > limit) {
        t.state = 'ended';
        emit('ended', t);
        return;
      }
      if (t.state === 'confirmed') {
        t.state = 'lost';
        emit('lost', t);
      }
      survivors.push(t);
    });

    detections.forEach((d, di) => {
      if (trackIds[di] >= 0) return;
      const t: TrackRecord = {
        id: nextId++,
        state: 'tentative',
        box: d.box,
        detection: d,
        best: { ...d, seq, timestamp },
        firstSeq: seq,
        lastSeq: seq,
        firstSeen: timestamp,
        lastSeen: timestamp,
        hits: 1,
        missed: 0,
        kalman: useKalman ? new BoxKalman(d.box) : undefined,
      };
      trackIds[di] = t.id;
      emit('started', t);
      if (minHits <= 1) {
        t.state = 'confirmed';
        emit('confirmed', t);
      }
      survivors.push(t);
    });

    live = survivors.sort((a, b) => a.id - b.id);
    return { seq, timestamp, tracks: live.map(snapshot), events, trackIds };
  }

  function finish(seq: number, timestamp: number): TrackEvent[] {
    const events = live.map((t) => {
      t.state = 'ended';
      return { type: 'ended' as const, track: snapshot(t), seq, timestamp };
    });
    live = [];
    return events;
  }

  return { update, finish, tracks: () => live.map(snapshot) };
}
