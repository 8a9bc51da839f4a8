/**
 * `createChannel` on virtual time: frames come from an injected source (no FFmpeg), detection is a fake
 * answering synchronously or after a scheduled delay, and the results are read as tracking events.
 */
import { map, of, throwError, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { channelSchema } from '../../../src/config/schema/channel';
import type { Detection } from '../../../src/kernels/frame';
import { resetStageStats, stageStats } from '../../../src/operators/stage-stats';
import { createChannel, type FrameResult } from '../../../src/pipelines/camera/channel';
import { FRAME_BUFFER_STAGE } from '../../../src/pipelines/camera/stages';
import { frame } from './frames';

/** A live stream channel (drop-oldest buffer) whose tracks confirm on their second hit. */
function config(buffer: { capacity: number }, detectConcurrency = 1) {
  return channelSchema.parse({
    id: 'cam',
    source: 'rtsp://camera.local/stream',
    buffer,
    detectConcurrency,
    tracker: { minHits: 2 },
  });
}

/** Frames a..e are seq 0..4. */
const frames = Object.fromEntries('abcde'.split('').map((k, seq) => [k, frame(seq)]));
/** One face in the same place on every frame: one track. */
const face: Detection[] = [{ box: [100, 100, 200, 200], score: 0.9 }];

/** A result as "<seq> <events>" ("end" for the closing result), easy to read in marbles. */
const describe$ = (results: Observable<FrameResult>) =>
  results.pipe(
    map((r) => [r.endOfStream ? 'end' : String(r.seq), ...r.tracking.events.map((e) => e.type)].join(' ')),
  );

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('createChannel (injected source, fake detection, virtual time)', () => {
  it('turns frames into tracking events and ends live tracks when the source completes', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const seen: number[] = [];
      const results = createChannel(config({ capacity: 2 }), {
        source: () => cold('abcd|', frames),
        detect: () => of(face),
        tapFrame: (f) => seen.push(f.seq),
      });
      expectObservable(describe$(results)).toBe('abcd(e|)', {
        a: '0 started',
        b: '1 confirmed',
        c: '2',
        d: '3',
        e: 'end ended',
      });
      flush();
      expect(seen).toEqual([0, 1, 2, 3]);
    });
  });

  it('drops the oldest buffered frames while detection is busy (capacity 1, one frame in detection)', () => {
    resetStageStats();
    scheduler().run(({ cold, expectObservable, flush }) => {
      const dropped: Array<[number, string]> = [];
      const results = createChannel(config({ capacity: 1 }), {
        source: () => cold('abcd|', frames),
        // Detection takes 5 frames of time: b and c arrive while a is detected and d pushes them out.
        detect: () => cold('-----(x|)', { x: face }),
        onDrop: (f, reason) => dropped.push([f.seq, reason]),
      });
      expectObservable(describe$(results)).toBe('-----a----(de|)', {
        a: '0 started',
        d: '3 confirmed',
        e: 'end ended',
      });
      flush();
      expect(dropped).toEqual([
        [1, 'oldest'],
        [2, 'oldest'],
      ]);
      expect(stageStats(FRAME_BUFFER_STAGE, { channel: 'cam' })?.dropped).toEqual({ oldest: 2 });
    });
  });

  it('skips a frame whose detection fails, reports it and goes on', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const failed: number[] = [];
      const results = createChannel(config({ capacity: 2 }), {
        source: () => cold('abc|', frames),
        detect: (f) => (f.seq === 1 ? throwError(() => new Error('model crashed')) : of(face)),
        onFrameError: (_err, f) => failed.push(f.seq),
      });
      expectObservable(describe$(results)).toBe('a-c(e|)', {
        a: '0 started',
        c: '2 confirmed',
        e: 'end ended',
      });
      flush();
      expect(failed).toEqual([1]);
    });
  });

  it('hands each frame to tapFrame before its detection', () => {
    scheduler().run(({ cold, expectObservable, flush }) => {
      const order: string[] = [];
      const results = createChannel(config({ capacity: 2 }), {
        source: () => cold('ab|', frames),
        tapFrame: (f) => order.push(`tap ${f.seq}`),
        detect: (f) => {
          order.push(`detect ${f.seq}`);
          return of([]);
        },
      });
      expectObservable(describe$(results)).toBe('ab|', { a: '0', b: '1' });
      flush();
      expect(order).toEqual(['tap 0', 'detect 0', 'tap 1', 'detect 1']);
    });
  });
});
