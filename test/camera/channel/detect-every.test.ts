/**
 * `detectEvery`: the scheduling operator on marbles, the track predictor, and a channel detecting on every
 * third frame (injected source, fake detection, virtual time).
 */
import { map, of, type Observable } from 'rxjs';
import { channelSchema } from '../../../src/config/schema/channel';
import type { Box, Detection } from '../../../src/kernels/frame';
import { createChannel, type FrameResult } from '../../../src/pipelines/camera/channel';
import { createTrackPredictor, detectEvery } from '../../../src/pipelines/camera/detect-every';
import { createTracker } from '../../../src/pipelines/camera/tracker';
import { marbles } from '../../operators/marbles';
import { frame } from './frames';

describe('detectEvery (marbles)', () => {
  it('marks the first frame and every Nth after it for detection', () => {
    marbles().run(({ cold, expectObservable }) => {
      const scheduled = cold('abcdefg|').pipe(
        detectEvery<string>(3),
        map(({ frame, detect }) => (detect ? frame.toUpperCase() : frame)),
      );
      expectObservable(scheduled).toBe('AbcDefG|');
    });
  });

  it('with 1 detects every frame, and passes errors and completion through', () => {
    marbles().run(({ cold, expectObservable }) => {
      const scheduled = cold('ab#').pipe(
        detectEvery<string>(1),
        map(({ frame, detect }) => (detect ? frame.toUpperCase() : frame)),
      );
      expectObservable(scheduled).toBe('AB#');
    });
  });

  it('counts the frames that reach it, not their sequence numbers (drops upstream do not shift it)', () => {
    marbles().run(({ cold, expectObservable }) => {
      const seqs = cold('a-c--f|', { a: 0, c: 2, f: 5 }).pipe(
        detectEvery<number>(2),
        map(({ frame, detect }) => `${frame}${detect ? '!' : ''}`),
      );
      expectObservable(seqs).toBe('a-c--f|', { a: '0!', c: '2', f: '5!' });
    });
  });

  it('refuses a count below 1', () => {
    expect(() => detectEvery(0)).toThrow(/detectEvery must be an integer >= 1/);
  });
});

describe('track predictor', () => {
  const det = (box: Box): Detection[] => [{ box, score: 0.9 }];

  // Without the Kalman filter the track's box is the matched detection's, so the predicted boxes are exact.
  it('moves a track on at the velocity of its last two matches and keeps ids, with no events', () => {
    const tracker = createTracker({ minHits: 1, useKalman: false });
    const predictor = createTrackPredictor();
    predictor.observe(tracker.update(det([100, 100, 150, 150]), 0, 0));
    predictor.observe(tracker.update(det([106, 103, 156, 153]), 3, 120));
    const between = predictor.predict(4, 160);
    expect(between.tracks).toHaveLength(1);
    expect(between.tracks[0].box).toEqual([108, 104, 158, 154]);
    expect(between.tracks[0].detection).toBeUndefined();
    expect(between.events).toEqual([]);
    expect(between.trackIds).toEqual([]);
    expect(predictor.predict(5, 200).tracks[0].box).toEqual([110, 105, 160, 155]);
  });

  it('holds a new track in place and forgets ended tracks', () => {
    const tracker = createTracker({ minHits: 1, maxAge: 30 });
    const predictor = createTrackPredictor();
    predictor.observe(tracker.update(det([10, 10, 50, 50]), 0, 0));
    expect(predictor.predict(1, 40).tracks[0].box).toEqual([10, 10, 50, 50]);
    // A confirmed track missed past maxAge ends: nothing left to predict.
    for (let seq = 1; seq <= 32; seq++) predictor.observe(tracker.update([], seq, seq * 40));
    expect(predictor.predict(33, 33 * 40).tracks).toEqual([]);
  });
});

describe('a channel with detectEvery 3', () => {
  const frames = Object.fromEntries('abcdefg'.split('').map((k, seq) => [k, frame(seq)]));

  it('sends every third frame to the detector and reports the track, moving, on the others', () => {
    marbles().run(({ cold, expectObservable, flush }) => {
      const detected: number[] = [];
      const config = channelSchema.parse({
        id: 'cam',
        source: 'rtsp://camera.local/stream',
        detectEvery: 3,
        tracker: { minHits: 2, kalman: false },
      });
      const results: Observable<FrameResult> = createChannel(config, {
        source: () => cold('abcdefg|', frames),
        // The face moves 3 px to the right per frame.
        detect: (f) => {
          detected.push(f.seq);
          return of([{ box: [100 + 3 * f.seq, 100, 150 + 3 * f.seq, 150], score: 0.9 }] as Detection[]);
        },
      });
      const view = results.pipe(
        map((r) =>
          [
            r.endOfStream ? 'end' : r.seq,
            r.predicted ? 'p' : 'd',
            r.detections.length,
            ...r.tracking.tracks.map((t) => `${t.id}@${t.box[0]}`),
            ...r.tracking.events.map((e) => e.type),
          ].join(' '),
        ),
      );
      expectObservable(view).toBe('abcdefg(h|)', {
        a: '0 d 1 1@100 started',
        b: '1 p 0 1@100',
        c: '2 p 0 1@100',
        d: '3 d 1 1@109 confirmed',
        e: '4 p 0 1@112',
        f: '5 p 0 1@115',
        g: '6 d 1 1@118',
        h: 'end d 0 ended',
      });
      flush();
      expect(detected).toEqual([0, 3, 6]);
    });
  });
});
