import type { Box, Detection } from '../../../src/kernels/frame';
import { channelSchema } from '../../../src/config/schema/channel';
import {
  createTracker,
  TRACKER_DEFAULTS,
  trackerOptions,
  type TrackEvent,
} from '../../../src/pipelines/camera/tracker';

const face = (x: number, y: number, size = 50, score = 0.9): Detection => ({
  box: [x, y, x + size, y + size] as Box,
  score,
});
const kinds = (events: TrackEvent[]) => events.map((e) => `${e.type}:${e.track.id}`);

describe('createTracker', () => {
  it('keeps one id for a face moving slowly across frames', () => {
    const tracker = createTracker({ minHits: 1 });
    const ids = new Set<number>();
    for (let seq = 0; seq < 20; seq++) {
      const u = tracker.update([face(100 + seq * 5, 100)], seq, seq * 40);
      ids.add(u.trackIds[0]);
    }
    expect(ids.size).toBe(1);
    const [track] = tracker.tracks();
    expect(track).toMatchObject({
      hits: 20,
      frames: 20,
      firstSeq: 0,
      lastSeq: 19,
      firstSeen: 0,
      lastSeen: 760,
    });
  });

  it('confirms a track after minHits matches and reports the events', () => {
    const tracker = createTracker({ minHits: 3 });
    const u0 = tracker.update([face(10, 10)], 0, 0);
    expect(kinds(u0.events)).toEqual(['started:1']);
    expect(u0.tracks[0].state).toBe('tentative');
    const u1 = tracker.update([face(12, 10)], 1, 40);
    expect(u1.events).toEqual([]);
    expect(u1.tracks[0].state).toBe('tentative');
    const u2 = tracker.update([face(14, 10)], 2, 80);
    expect(kinds(u2.events)).toEqual(['confirmed:1']);
    expect(u2.tracks[0]).toMatchObject({ state: 'confirmed', hits: 3 });
  });

  it('ends a tentative track on its first miss with maxTentativeMissed 0', () => {
    const tracker = createTracker({ minHits: 3, maxTentativeMissed: 0 });
    tracker.update([face(10, 10)], 0, 0);
    const u = tracker.update([], 1, 40);
    expect(kinds(u.events)).toEqual(['ended:1']);
    expect(u.events[0].track.state).toBe('ended');
    expect(u.tracks).toEqual([]);
  });

  it('marks a confirmed track lost when missed, recovers it, and ends it after maxAge misses', () => {
    const tracker = createTracker({ minHits: 1, maxAge: 2 });
    tracker.update([face(10, 10)], 0, 0);
    const lost = tracker.update([], 1, 40);
    expect(kinds(lost.events)).toEqual(['lost:1']);
    expect(lost.tracks[0]).toMatchObject({ state: 'lost', missed: 1 });
    const back = tracker.update([face(11, 10)], 2, 80);
    expect(kinds(back.events)).toEqual(['recovered:1']);
    expect(back.tracks[0]).toMatchObject({ state: 'confirmed', missed: 0, hits: 2 });
    expect(tracker.update([], 3, 120).tracks[0].state).toBe('lost');
    expect(tracker.update([], 4, 160).events).toEqual([]);
    const ended = tracker.update([], 5, 200);
    expect(kinds(ended.events)).toEqual(['ended:1']);
    expect(ended.events[0].track).toMatchObject({ state: 'ended', lastSeq: 2, missed: 3 });
    expect(ended.tracks).toEqual([]);
  });

  it('counts frame-number gaps as missed frames', () => {
    const tracker = createTracker({ minHits: 1, maxAge: 5 });
    tracker.update([face(10, 10)], 0, 0);
    const u = tracker.update([], 10, 400);
    expect(kinds(u.events)).toEqual(['ended:1']);
  });

  it('never reuses an id, even after its track ended', () => {
    const tracker = createTracker({ minHits: 1, maxAge: 0 });
    const seen: number[] = [];
    for (let seq = 0; seq < 10; seq++) {
      // The face blinks in and out at the same place: every reappearance is a new track.
      const u = tracker.update(seq % 2 === 0 ? [face(10, 10)] : [], seq, seq);
      seen.push(...u.events.filter((e) => e.type === 'started').map((e) => e.track.id));
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('gives separate faces separate ids and matches each to its own track', () => {
    const tracker = createTracker({ minHits: 1 });
    const u0 = tracker.update([face(0, 0), face(300, 0), face(0, 300)], 0, 0);
    expect(u0.trackIds).toEqual([1, 2, 3]);
    // Same faces, moved a little, listed in another order.
    const u1 = tracker.update([face(305, 2), face(2, 305), face(3, 1)], 1, 40);
    expect(u1.trackIds).toEqual([2, 3, 1]);
  });

  it('finds the assignment with the best total overlap (Hungarian), not the greedy one', () => {
    const tracker = createTracker({ minHits: 1, iouThreshold: 0.1 });
    tracker.update(
      [
        { box: [0, 0, 100, 100], score: 1 },
        { box: [60, 0, 160, 100], score: 1 },
      ],
      0,
      0,
    );
    // Detection A overlaps track 1 most and track 2 a lot; B overlaps only track 1. Greedy would give
    // A to track 1 and leave B to start a new track; the optimal assignment matches both.
    const u = tracker.update(
      [
        { box: [30, 0, 130, 100], score: 1 },
        { box: [-40, 0, 60, 100], score: 1 },
      ],
      1,
      40,
    );
    expect(u.trackIds).toEqual([2, 1]);
  });

  it('keeps the best detection: highest score times size', () => {
    const tracker = createTracker({ minHits: 1 });
    tracker.update([face(10, 10, 50, 0.6)], 0, 0);
    tracker.update([face(11, 10, 52, 0.95)], 1, 40);
    const u = tracker.update([face(12, 10, 50, 0.7)], 2, 80);
    expect(u.tracks[0].best).toMatchObject({ score: 0.95, seq: 1, timestamp: 40 });
  });

  it('keeps the ids of two faces that cross through the same spot, with the Kalman filter on', () => {
    const tracker = createTracker({ minHits: 1, useKalman: true, iouThreshold: 0.2 });
    const idsA = new Set<number>();
    const idsB = new Set<number>();
    for (let seq = 0; seq < 40; seq++) {
      // A moves right, B moves left on the same line: at seq 20 their boxes are identical, so only the
      // predicted motion can tell them apart afterwards. The list order alternates so it cannot help.
      const a = face(100 + seq * 10, 100);
      const b = face(500 - seq * 10, 100);
      const flip = seq % 2 === 1;
      const u = tracker.update(flip ? [b, a] : [a, b], seq, seq * 40);
      idsA.add(u.trackIds[flip ? 1 : 0]);
      idsB.add(u.trackIds[flip ? 0 : 1]);
    }
    expect([...idsA]).toEqual([1]);
    expect([...idsB]).toEqual([2]);
  });

  it('predicts a missed moving face forward with the Kalman filter and re-acquires it', () => {
    const tracker = createTracker({ minHits: 1, useKalman: true, maxAge: 5, iouThreshold: 0.3 });
    for (let seq = 0; seq < 10; seq++) tracker.update([face(seq * 20, 0)], seq, seq);
    // Three frames without detection; the face keeps moving 20 px per frame.
    for (let seq = 10; seq < 13; seq++) tracker.update([], seq, seq);
    const u = tracker.update([face(13 * 20, 0)], 13, 13);
    expect(u.trackIds).toEqual([1]);
    expect(kinds(u.events)).toEqual(['recovered:1']);
  });

  it('finish() ends every live track', () => {
    const tracker = createTracker({ minHits: 1 });
    tracker.update([face(0, 0), face(200, 0)], 0, 0);
    const events = tracker.finish(1, 40);
    expect(kinds(events)).toEqual(['ended:1', 'ended:2']);
    expect(tracker.tracks()).toEqual([]);
  });

  it('rejects frame numbers that do not increase', () => {
    const tracker = createTracker();
    tracker.update([], 5, 0);
    expect(() => tracker.update([], 5, 1)).toThrow(/seq 5/);
  });

  it('by default keeps a tentative track through two missed frames, and ends it on the third', () => {
    const tracker = createTracker();
    tracker.update([face(10, 10)], 0, 0);
    tracker.update([face(12, 10)], 1, 40);
    expect(tracker.update([], 2, 80).events).toEqual([]);
    expect(tracker.update([], 3, 120).events).toEqual([]);
    const back = tracker.update([face(18, 10)], 4, 160);
    expect(back.trackIds).toEqual([1]);
    expect(kinds(back.events)).toEqual(['confirmed:1']);

    const other = createTracker();
    other.update([face(10, 10)], 0, 0);
    other.update([], 1, 40);
    other.update([], 2, 80);
    expect(kinds(other.update([], 3, 120).events)).toEqual(['ended:1']);
  });

  it('continues a confirmed track with a low-score detection (second pass), which alone starts no track', () => {
    const tracker = createTracker({ minHits: 1 });
    tracker.update([face(100, 100)], 0, 0);
    // The face half turns away and scores 0.35: under trackScore (0.5), still the same face.
    const u = tracker.update([face(103, 100, 50, 0.35), face(400, 300, 50, 0.35)], 1, 40);
    expect(u.trackIds).toEqual([1, -1]);
    expect(u.events).toEqual([]);
    expect(u.tracks.map((t) => t.id)).toEqual([1]);

    const onePass = createTracker({ minHits: 1, trackScore: 0 });
    onePass.update([face(100, 100)], 0, 0);
    expect(onePass.update([face(103, 100, 50, 0.35), face(400, 300, 50, 0.35)], 1, 40).trackIds).toEqual([
      1, 2,
    ]);
  });

  it('lets a low-score detection continue only a track that overlaps it well (lowScoreIouThreshold)', () => {
    // Re-acquisition by distance (which also takes low-score detections, after the IoU passes) off.
    const tracker = createTracker({ minHits: 1, reacquireDistance: 0 });
    tracker.update([face(100, 100)], 0, 0);
    // IoU with the track about 0.4: enough for a confident detection (0.3), not for a low-score one (0.5).
    expect(tracker.update([face(120, 100, 50, 0.35)], 1, 40).trackIds).toEqual([-1]);
  });

  it('re-acquires a lost track after an occlusion by the distance to its predicted centre', () => {
    const run = (reacquireDistance: number) => {
      const tracker = createTracker({ minHits: 1, reacquireDistance });
      for (let seq = 0; seq < 10; seq++) tracker.update([face(100 + seq * 6, 100)], seq, seq * 40);
      // 20 frames behind an occluder, during which the face slowed down: it comes out 40 px behind the
      // prediction (IoU about 0.1, under iouThreshold), but within one face height of it.
      for (let seq = 10; seq < 30; seq++) tracker.update([], seq, seq * 40);
      return tracker.update([face(100 + 30 * 6 - 40, 104)], 30, 1200);
    };
    const on = run(1);
    expect(on.trackIds).toEqual([1]);
    expect(kinds(on.events)).toEqual(['recovered:1']);
    const off = run(0);
    expect(off.trackIds).toEqual([2]);
  });

  it('starts no track from a second, larger box of a tracked face, so that box cannot take the face over', () => {
    // The tracking clip's failure (seed 2): the detector boxes a small face twice, the face itself and a
    // larger box taking in what lies below it; a track started from the larger box later took the face
    // when the detector gave only that box (an ID switch and a track too many).
    const run = (duplicateOverlap: number) => {
      const tracker = createTracker({ duplicateOverlap });
      const ids: number[] = [];
      for (let seq = 0; seq < 10; seq++) tracker.update([face(300 - seq * 2, 300)], seq, seq * 40);
      for (let seq = 10; seq < 16; seq++) {
        const x = 300 - seq * 2;
        const twice = [face(x, 300), { box: [x - 40, 295, x + 45, 376] as Box, score: 0.7 }];
        ids.push(...tracker.update(twice, seq, seq * 40).trackIds);
      }
      // Only the larger box now: it belongs to the face's track.
      for (let seq = 16; seq < 20; seq++) {
        const x = 300 - seq * 2;
        ids.push(
          ...tracker.update([{ box: [x - 40, 295, x + 45, 376], score: 0.7 }], seq, seq * 40).trackIds,
        );
      }
      return { ids, tracks: tracker.tracks().filter((t) => t.state !== 'tentative').length };
    };
    const on = run(TRACKER_DEFAULTS.duplicateOverlap);
    expect(new Set(on.ids.filter((id) => id >= 0))).toEqual(new Set([1]));
    expect(on.ids.slice(-4)).toEqual([1, 1, 1, 1]);
    expect(on.tracks).toBe(1);
    // Without the rule, the larger box becomes a second track and takes the face (the failure it fixes).
    const off = run(0);
    expect(off.ids.slice(-4)).toEqual([2, 2, 2, 2]);
    expect(off.tracks).toBe(2);
  });

  it('still starts a track for a second face beside a tracked one', () => {
    const tracker = createTracker({ minHits: 1 });
    tracker.update([face(100, 100)], 0, 0);
    // Overlapping the tracked face's box by a third of its own area: another face, not a duplicate.
    expect(tracker.update([face(100, 100), face(133, 100)], 1, 40).trackIds).toEqual([1, 2]);
  });

  it('does not re-acquire with a face of a very different size', () => {
    const tracker = createTracker({ minHits: 1 });
    tracker.update([face(100, 100)], 0, 0);
    tracker.update([], 1, 40);
    tracker.update([], 2, 80);
    expect(tracker.update([face(130, 100, 120)], 3, 120).trackIds).toEqual([2]);
  });

  it('keeps a lost track for maxAge frames by default (50) and the channel config has the same defaults', () => {
    const tracker = createTracker({ minHits: 1 });
    tracker.update([face(0, 0)], 0, 0);
    expect(tracker.update([], 50, 2000).tracks.map((t) => t.state)).toEqual(['lost']);
    expect(kinds(tracker.update([], 51, 2040).events)).toEqual(['ended:1']);
    const config = channelSchema.parse({ id: 'c', source: 'x.mp4' });
    expect(trackerOptions(config.tracker)).toEqual(TRACKER_DEFAULTS);
  });

  it('refuses bad options with the name of the setting', () => {
    expect(() => createTracker({ trackScore: 2 })).toThrow(/trackScore/);
    expect(() => createTracker({ maxTentativeMissed: -1 })).toThrow(/maxTentativeMissed/);
    expect(() => createTracker({ reacquireDistance: -1 })).toThrow(/reacquireDistance/);
    expect(() => createTracker({ duplicateOverlap: 1.5 })).toThrow(/duplicateOverlap/);
  });

  it('holds the size of a lost track, and re-acquires it at its full size after its view shrank going out', () => {
    const tracker = createTracker({ minHits: 1 });
    for (let seq = 0; seq < 10; seq++) tracker.update([face(300 - seq * 2, 100, 50)], seq, seq);
    // Going behind a post: the visible part shrinks and scores low, then nothing.
    for (let seq = 10; seq < 14; seq++) {
      const side = 50 - (seq - 9) * 8;
      tracker.update([face(300 - seq * 2, 100 + (50 - side) / 2, side, 0.35)], seq, seq);
    }
    for (let seq = 14; seq < 40; seq++) {
      const u = tracker.update([], seq, seq);
      const box = u.tracks[0].box;
      expect(box[3] - box[1]).toBeGreaterThan(10);
    }
    // Out again, full size (low score at first), 2 px per frame further left as before.
    const u = tracker.update([face(300 - 40 * 2, 100, 50, 0.45)], 40, 40);
    expect(u.trackIds).toEqual([1]);
  });
});
