/**
 * The default frame buffer of a channel: live sources keep frames by age (500 ms, at most 25), so a burst
 * of frames while detection is busy is absorbed and only frames that would be stale are dropped. Marble
 * tests on virtual time through `createChannel` (the buffer as the channel wires it).
 */
import { map, of, type Observable } from 'rxjs';
import { channelSchema } from '../../../src/config/schema/channel';
import type { Frame } from '../../../src/kernels/frame';
import { createChannel, type FrameResult } from '../../../src/pipelines/camera/channel';
import { frameBufferOf, LIVE_FRAME_BUFFER } from '../../../src/pipelines/camera/sources/frame-buffer';
import { marbles } from '../../operators/marbles';

const channel = (source: string, extra: Record<string, unknown> = {}) =>
  channelSchema.parse({ id: 'cam', source, detectConcurrency: 1, ...extra });

const frame = (seq: number): Frame => ({ channel: 'cam', seq, capturedAt: 0, width: 64, height: 48 });
const keys = 'abcdefghij';
const frames = Object.fromEntries(keys.split('').map((k, seq) => [k, frame(seq)]));

const seqs = (results: Observable<FrameResult>) =>
  results.pipe(map((r) => (r.endOfStream ? 'end' : keys[r.seq])));

describe('frameBufferOf', () => {
  it('gives live sources and paced files an age-bounded buffer, files read asap a waiting one', () => {
    expect(LIVE_FRAME_BUFFER).toEqual({ capacity: 25, maxAgeMs: 500 });
    expect(frameBufferOf(channel('rtsp://cam.local/live'))).toEqual({
      policy: 'max-age',
      capacity: 25,
      maxAgeMs: 500,
    });
    expect(frameBufferOf(channel('/dev/video0')).policy).toBe('max-age');
    expect(frameBufferOf(channel('/videos/a.mp4')).policy).toBe('max-age'); // paced at its own rate
    expect(frameBufferOf(channel('/videos/a.mp4', { pace: 'asap' }))).toEqual({
      policy: 'wait',
      capacity: 2,
      maxAgeMs: undefined,
    });
  });

  it('keeps what the config sets', () => {
    const cfg = (buffer: Record<string, unknown>) => channel('rtsp://cam.local/live', { buffer });
    expect(frameBufferOf(cfg({ maxAgeMs: 200 }))).toEqual({ policy: 'max-age', capacity: 25, maxAgeMs: 200 });
    expect(frameBufferOf(cfg({ capacity: 4 }))).toEqual({ policy: 'max-age', capacity: 4, maxAgeMs: 500 });
    expect(frameBufferOf(cfg({ policy: 'drop-oldest' }))).toEqual({
      policy: 'drop-oldest',
      capacity: 2,
      maxAgeMs: undefined,
    });
  });
});

describe('a live channel with the default buffer (virtual time)', () => {
  it('absorbs a burst while detection is busy: no frame dropped', () => {
    const dropped: number[] = [];
    marbles().run(({ cold, expectObservable }) => {
      // Ten frames arrive at once; detection takes 40 ms each, so the last waits 360 ms (< 500 ms).
      // The former default (latest 2, drop-oldest) dropped seven of them.
      const results = createChannel(channel('rtsp://cam.local/live'), {
        source: () => cold('(abcdefghij|)', frames),
        detect: () => cold('40ms (x|)', { x: [] }),
        onDrop: (f) => dropped.push(f.seq),
      });
      expectObservable(seqs(results)).toBe(
        '40ms a 39ms b 39ms c 39ms d 39ms e 39ms f 39ms g 39ms h 39ms i 39ms (j|)',
      );
    });
    expect(dropped).toEqual([]);
  });

  it('drops the frames that waited longer than 500 ms when detection is really behind', () => {
    const dropped: Array<[number, string]> = [];
    marbles().run(({ cold, expectObservable }) => {
      // Detection takes 200 ms: frame a is detected at once, b waits 200 ms, c 400 ms, d would wait 600 ms.
      const results = createChannel(channel('rtsp://cam.local/live'), {
        source: () => cold('(abcde|)', frames),
        detect: () => cold('200ms (x|)', { x: [] }),
        onDrop: (f, reason) => dropped.push([f.seq, reason]),
      });
      expectObservable(seqs(results)).toBe('200ms a 199ms b 199ms (c|)');
    });
    expect(dropped).toEqual([
      [3, 'expired'],
      [4, 'expired'],
    ]);
  });

  it('detects every frame of a source that is not behind', () => {
    marbles().run(({ cold, expectObservable }) => {
      const results = createChannel(channel('rtsp://cam.local/live'), {
        source: () => cold('a 39ms b 39ms (c|)', frames),
        detect: () => of([]),
      });
      expectObservable(seqs(results)).toBe('a 39ms b 39ms (c|)');
    });
  });
});
