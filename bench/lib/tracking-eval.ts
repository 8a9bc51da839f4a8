/**
 * Scores a channel's results on a labelled tracking clip (bench/lib/tracking-clip.ts) with the MOT
 * measures, and runs a clip through a real channel (detect pool, tracker) or replays recorded detections
 * through a tracker with other settings.
 *
 * What counts: a hypothesis is a detection that belongs to a confirmed track in that frame (what a user
 * reads from the track and detection rows). Faces under `minSize` px or less than `minVisibility` visible
 * are ignored: neither required nor false positives when found.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { channelSchema, type ChannelConfigInput } from '../../src/config/schema/channel';
import type { Detection } from '../../src/kernels/frame';
import { createChannel, type FrameResult } from '../../src/pipelines/camera/channel';
import { poolDetect } from '../../src/pipelines/camera/run-channels';
import { createTrackPredictor } from '../../src/pipelines/camera/detect-every';
import { createTracker, type TrackerOptions, type TrackUpdate } from '../../src/pipelines/camera/tracker';
import { MotAccumulator, updateWithBoxes, type LabelledBox, type MotSummary } from './mot-metrics';
import type { ClipLabels } from './tracking-clip';

/** What of a frame the evaluation reads (a `FrameResult` has it). */
export interface TrackedFrame {
  seq: number;
  detections: readonly Detection[];
  tracking: Pick<TrackUpdate, 'trackIds' | 'tracks'>;
}

export interface EvalOptions {
  /** Faces narrower than this are ignored (default 40). */
  minSize?: number;
  /** Faces less visible than this are ignored (default 0.5). */
  minVisibility?: number;
  /** Ground-truth identity: each path (default; a face that leaves and comes back has two) or person. */
  identity?: 'path' | 'person';
  /** Maps a track id to the track it continues (Re-ID links); hypotheses take the first track's id. */
  continues?: ReadonlyMap<number, number>;
}

/** The scores of one run. */
export interface TrackingScore {
  mot: MotSummary;
  /** Per ground-truth identity, the track ids paired with it, in order of first pairing. */
  tracksPerIdentity: Record<string, number[]>;
  /** Identities paired with exactly one track, and tracks paired with exactly one identity. */
  oneTrackPerIdentity: boolean;
  /** Every detection (score >= the detector's threshold) against the faces, tracks aside. */
  detector: { recall: number; precision: number };
}

/** The ground truth of each frame (index = frame number). */
export function clipTruth(labels: ClipLabels, options: EvalOptions = {}): LabelledBox[][] {
  const minSize = options.minSize ?? 40;
  const minVisibility = options.minVisibility ?? 0.5;
  const frames: LabelledBox[][] = Array.from({ length: labels.frames }, () => []);
  for (const b of labels.boxes) {
    frames[b.frame].push({
      id: options.identity === 'person' ? b.person : b.path,
      box: b.box,
      ignore: b.size < minSize || b.visibility < minVisibility,
    });
  }
  return frames;
}

/** Scores results (one per clip frame, by `seq`) against the clip's labels. */
export function scoreTracking(
  labels: ClipLabels,
  results: readonly TrackedFrame[],
  options: EvalOptions = {},
): TrackingScore {
  const truth = clipTruth(labels, options);
  const root = (id: number): number => {
    const seen = new Set<number>();
    let current = id;
    for (let next = options.continues?.get(current); next !== undefined && !seen.has(next);) {
      seen.add(current);
      current = next;
      next = options.continues?.get(current);
    }
    return current;
  };
  const byFrame = new Map(results.map((r) => [r.seq, r]));
  const acc = new MotAccumulator();
  const detector = new MotAccumulator();
  const pairs = new Map<string, number[]>();
  let nextDetection = 0;
  truth.forEach((gt, frame) => {
    const r = byFrame.get(frame);
    const confirmed = new Set(r?.tracking.tracks.filter((t) => t.state === 'confirmed').map((t) => t.id));
    const hyps: LabelledBox[] = [];
    const all: LabelledBox[] = [];
    r?.detections.forEach((d, i) => {
      all.push({ id: nextDetection++, box: d.box });
      const id = r.tracking.trackIds[i];
      if (id >= 0 && confirmed.has(id)) hyps.push({ id: root(id), box: d.box });
    });
    for (const [o, h] of updateWithBoxes(acc, gt, hyps)) {
      const list = pairs.get(String(o)) ?? [];
      if (!list.includes(h as number)) list.push(h as number);
      pairs.set(String(o), list);
    }
    updateWithBoxes(detector, gt, all);
  });
  const tracksPerIdentity = Object.fromEntries(pairs);
  const trackOwners = new Map<number, number>();
  for (const ids of pairs.values()) for (const id of ids) trackOwners.set(id, (trackOwners.get(id) ?? 0) + 1);
  const identities = new Set(truth.flat().map((b) => String(b.id)));
  const oneTrackPerIdentity =
    [...identities].every((id) => pairs.get(id)?.length === 1) &&
    [...trackOwners.values()].every((n) => n === 1);
  const d = detector.summary();
  return {
    mot: acc.summary(),
    tracksPerIdentity,
    oneTrackPerIdentity,
    detector: { recall: d.recall, precision: d.precision },
  };
}

/** The results of one channel run over a clip, with the run's frames per second. */
export interface ClipRun {
  results: FrameResult[];
  fps: number;
}

/**
 * Runs the clip file through one real channel (as fast as possible, no frame dropped) with the detect pool;
 * `channel` adds settings (detector, tracker) to the defaults. The caller closes the pools.
 */
export async function runClip(file: string, channel: Partial<ChannelConfigInput> = {}): Promise<ClipRun> {
  const config = channelSchema.parse({ id: 'clip', source: file, pace: 'asap', ...channel });
  const detect = poolDetect(config);
  await detect.inputLayout?.(); // opens the detector before the clock starts
  const started = performance.now();
  const results = await lastValueFrom(createChannel(config, { detect }).pipe(toArray()));
  const seconds = (performance.now() - started) / 1000;
  const frames = results.filter((r) => !r.endOfStream);
  return { results: frames, fps: frames.length / seconds };
}

/**
 * The tracker as it was before the tracking issue (SORT without Kalman, no low-score pass, no reacquire,
 * tentative tracks end on a miss, maxAge 30, no duplicate-box rule), run on detections >= 0.5: the
 * baseline of the tracking bench and test.
 */
export const PREVIOUS_TRACKER: { options: TrackerOptions; minScore: number } = {
  options: {
    useKalman: false,
    trackScore: 0,
    reacquireDistance: 0,
    maxTentativeMissed: 0,
    maxAge: 30,
    duplicateOverlap: 0,
  },
  minScore: 0.5,
};

/** Runs recorded detections (one entry per frame) through a new tracker with `options`. */
export function replayTracker(
  frames: ReadonlyArray<Pick<FrameResult, 'seq' | 'capturedAt' | 'detections'>>,
  options: TrackerOptions,
): TrackedFrame[] {
  const tracker = createTracker(options);
  return frames.map((f) => ({
    seq: f.seq,
    detections: f.detections,
    tracking: tracker.update(f.detections, f.seq, f.capturedAt),
  }));
}

/**
 * Replays recorded detections as a channel with `detectEvery: every` would see them: the tracker gets every
 * `every`-th frame (counted from the first), and the frames between report the confirmed tracks at their
 * predicted boxes (the channel's track predictor), scored as that frame's hypotheses.
 */
export function replayDetectEvery(
  frames: ReadonlyArray<Pick<FrameResult, 'seq' | 'capturedAt' | 'detections'>>,
  every: number,
  options: TrackerOptions,
): TrackedFrame[] {
  const tracker = createTracker(options);
  const predictor = createTrackPredictor();
  return frames.map((f, i) => {
    if (i % every === 0) {
      return {
        seq: f.seq,
        detections: f.detections,
        tracking: predictor.observe(tracker.update(f.detections, f.seq, f.capturedAt)),
      };
    }
    const { tracks } = predictor.predict(f.seq, f.capturedAt);
    const shown = tracks.filter((t) => t.state === 'confirmed');
    return {
      seq: f.seq,
      detections: shown.map((t) => ({ box: t.box, score: 1 })),
      tracking: { tracks, trackIds: shown.map((t) => t.id) },
    };
  });
}
