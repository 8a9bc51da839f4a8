import { boxArea, iou, overlapOfSmaller, type Box, type Detection } from '../../../kernels/frame';
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
 * track matched again; ended: gone for good (missed past maxAge, tentative missed past maxTentativeMissed,
 * or finish()). */
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
  /**
   * For every input detection (same index), the id of the track it went to; -1 for a low-score detection
   * (under `trackScore`) that no existing track took: such detections never start a track.
   */
  trackIds: number[];
}

export interface TrackerOptions {
  /** Minimum IoU between a track's (predicted) box and a detection to match them (default 0.3). */
  iouThreshold?: number;
  /** Matches needed before a track is confirmed (default 3; 1 confirms at once). */
  minHits?: number;
  /**
   * Frames a confirmed track may stay unmatched (lost, its box predicted) before it ends (default 50, two
   * seconds at 25 FPS: long enough to outlast a face passing behind another).
   */
  maxAge?: number;
  /**
   * Frames a tentative track may stay unmatched before it ends (default 2: one missed detection does not
   * split a new face into two tracks).
   */
  maxTentativeMissed?: number;
  /** Predict boxes with a constant-velocity Kalman filter (default true; false: match against the last box). */
  useKalman?: boolean;
  /**
   * Detections scoring at least this are matched first and may start tracks; lower ones (down to the
   * detector's own threshold) only continue confirmed tracks, in a second pass (ByteTrack's idea: a face
   * half hidden or blurred scores low but is still the same face). Default 0.5; 0 puts every detection in
   * the first pass.
   */
  trackScore?: number;
  /** Minimum IoU of the second (low-score) pass (default 0.5: stricter, as low scores are less sure). */
  lowScoreIouThreshold?: number;
  /**
   * After the IoU passes, a confirmed or lost track still unmatched takes a remaining confident detection
   * whose centre lies within this many face heights of the track's predicted centre and whose size is
   * within 1.5x of the track's (its last confident detection's; default 1.5; 0 turns it off). Re-acquires a face after an occlusion, when the
   * prediction drifted too far for any overlap.
   */
  reacquireDistance?: number;
  /**
   * A confident detection left over after matching starts no track when at least this fraction of the
   * smaller of it and a detection that a confirmed or lost track took in the same frame lies inside the
   * other (default 0.6; 0 turns it off): the detector boxed one face twice (a second, larger box taking in
   * hair or the background), and a track started from the second box would take the face over the next
   * time the detector gives only that box (an ID switch). Two faces side by side overlap less; a face
   * mostly hidden behind another is not detected anyway.
   */
  duplicateOverlap?: number;
  /** First track id (default 1). */
  firstId?: number;
}

/** The defaults of {@link TrackerOptions} (the channel config's `tracker` defaults are the same). */
export const TRACKER_DEFAULTS = {
  iouThreshold: 0.3,
  minHits: 3,
  maxAge: 50,
  maxTentativeMissed: 2,
  useKalman: true,
  trackScore: 0.5,
  lowScoreIouThreshold: 0.5,
  reacquireDistance: 1.5,
  duplicateOverlap: 0.6,
} as const satisfies Required<Omit<TrackerOptions, 'firstId'>>;

/** A per-channel SORT/ByteTrack-style tracker; pure and synchronous. */
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
  /** Face height of the last confident detection: partial views of a face going out of sight score low. */
  size: number;
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

/** Cost of a pair that may not match: more than any allowed pair, so allowed matches are maximised first. */
const FORBIDDEN = 1e6;

/**
 * Assigns `tracks` to `dets` (indices into the frame's detections) at minimum total `cost`; a cost of
 * `FORBIDDEN` or more never matches. Returns [track index, detection index] pairs.
 */
function associate(
  tracks: readonly number[],
  dets: readonly number[],
  cost: (track: number, det: number) => number,
): Array<[number, number]> {
  if (tracks.length === 0 || dets.length === 0) return [];
  const matrix = tracks.map((t) => dets.map((d) => cost(t, d)));
  const pairs: Array<[number, number]> = [];
  hungarian(matrix).forEach((col, row) => {
    if (col >= 0 && matrix[row][col] < FORBIDDEN) pairs.push([tracks[row], dets[col]]);
  });
  return pairs;
}

function center(b: Box): [number, number] {
  return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
}

function checkUnit(name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new Error(`tracker: ${name} must be in [0, 1]`);
}

function checkCount(name: string, v: number, min: number): void {
  if (!(Number.isInteger(v) && v >= min)) throw new Error(`tracker: ${name} must be an integer >= ${min}`);
}

/**
 * Creates the tracker. Each frame, live tracks are predicted (Kalman, or their last box) and matched to the
 * detections in passes, each a minimum-cost assignment (Hungarian algorithm):
 * 1. confirmed and lost tracks with confident detections (score >= `trackScore`) by IoU;
 * 2. confirmed tracks still unmatched with low-score detections by IoU (`lowScoreIouThreshold`);
 * 3. tentative tracks with the confident detections left, by IoU;
 * 4. confirmed and lost tracks still unmatched with the confident detections left, by the distance of the
 *    centres relative to the track's size (`reacquireDistance`);
 * confident detections still left start tentative tracks, unless they box a face that an established track
 * took in this frame a second time (`duplicateOverlap`); low-score ones and duplicates are dropped
 * (trackId -1).
 */
export function createTracker(options: TrackerOptions = {}): Tracker {
  const o = { ...TRACKER_DEFAULTS, ...definedOnly(options) };
  checkUnit('iouThreshold', o.iouThreshold);
  checkUnit('trackScore', o.trackScore);
  checkUnit('lowScoreIouThreshold', o.lowScoreIouThreshold);
  checkUnit('duplicateOverlap', o.duplicateOverlap);
  checkCount('minHits', o.minHits, 1);
  checkCount('maxAge', o.maxAge, 0);
  checkCount('maxTentativeMissed', o.maxTentativeMissed, 0);
  if (!(o.reacquireDistance >= 0)) throw new Error('tracker: reacquireDistance must be >= 0');
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
    const trackIds = new Array<number>(detections.length).fill(-1);
    const matchedTrack = new Array<number>(live.length).fill(-1);
    const take = (pairs: Array<[number, number]>) => {
      for (const [ti, di] of pairs) {
        matchedTrack[ti] = di;
        trackIds[di] = live[ti].id;
      }
    };
    const free = (pred: (di: number) => boolean) =>
      detections.map((_, di) => di).filter((di) => trackIds[di] < 0 && pred(di));
    const unmatched = (pred: (t: TrackRecord) => boolean) =>
      live.map((_, ti) => ti).filter((ti) => matchedTrack[ti] < 0 && pred(live[ti]));
    const byIou = (threshold: number) => (ti: number, di: number) => {
      const overlap = iou(predicted[ti], detections[di].box);
      return overlap >= threshold && overlap > 0 ? 1 - overlap : FORBIDDEN;
    };
    const confident = (di: number) => detections[di].score >= o.trackScore;
    const established = (t: TrackRecord) => t.state === 'confirmed' || t.state === 'lost';

    take(associate(unmatched(established), free(confident), byIou(o.iouThreshold)));
    take(
      associate(
        unmatched(established),
        free((di) => !confident(di)),
        byIou(o.lowScoreIouThreshold),
      ),
    );
    take(
      associate(
        unmatched((t) => t.state === 'tentative'),
        free(confident),
        byIou(o.iouThreshold),
      ),
    );
    if (o.reacquireDistance > 0) {
      take(associate(unmatched(established), free(confident), reacquireCost));
      take(
        associate(
          unmatched(established),
          free(() => true),
          reacquireCost,
        ),
      );
    }

    function reacquireCost(ti: number, di: number): number {
      const p = predicted[ti];
      const d = detections[di].box;
      const size = Math.max(1, live[ti].size);
      const ratio = (d[3] - d[1]) / size;
      if (!(ratio >= 1 / 1.5 && ratio <= 1.5)) return FORBIDDEN;
      const [px, py] = center(p);
      const [dx, dy] = center(d);
      const distance = Math.hypot(px - dx, py - dy) / size;
      // Added to the largest IoU cost (1) so a re-acquisition never outbids an overlap, were they mixed.
      return distance <= o.reacquireDistance ? 1 + distance : FORBIDDEN;
    }

    const survivors: TrackRecord[] = [];
    live.forEach((t, ti) => {
      const di = matchedTrack[ti];
      if (di >= 0) {
        const d = detections[di];
        t.box = t.kalman ? t.kalman.update(d.box) : d.box;
        t.detection = d;
        if (confident(di)) t.size = d.box[3] - d.box[1];
        t.hits++;
        t.missed = 0;
        t.lastSeq = seq;
        t.lastSeen = timestamp;
        if (quality(d) > quality(t.best)) t.best = { ...d, seq, timestamp };
        if (t.state === 'tentative' && t.hits >= o.minHits) {
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
      t.kalman?.holdSize();
      t.missed += dt;
      const limit = t.state === 'tentative' ? o.maxTentativeMissed : o.maxAge;
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

    const takenByEstablished = live
      .filter((t) => t.state !== 'tentative' && t.detection && t.lastSeq === seq)
      .map((t) => t.detection!.box);
    const duplicate = (d: Detection) =>
      o.duplicateOverlap > 0 &&
      takenByEstablished.some((box) => overlapOfSmaller(box, d.box) >= o.duplicateOverlap);
    detections.forEach((d, di) => {
      if (trackIds[di] >= 0 || !confident(di) || duplicate(d)) return;
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
        kalman: o.useKalman ? new BoxKalman(d.box) : undefined,
        size: d.box[3] - d.box[1],
      };
      trackIds[di] = t.id;
      emit('started', t);
      if (o.minHits <= 1) {
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

/** The options that are set (an explicit `undefined` must not hide a default). */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
