import { PassThrough } from 'node:stream';
import { PipeFrames } from '../../../src/pipelines/camera/sources/pipe-frames';

const tick = () => new Promise((r) => setImmediate(r));

describe('PipeFrames', () => {
  it('cuts chunks of any size into whole frames and drops a trailing partial one', async () => {
    const stream = new PassThrough();
    const frames = new PipeFrames(stream, 4, 8);
    stream.write(Buffer.from([1, 2, 3]));
    stream.write(Buffer.from([4, 5, 6, 7, 8, 9]));
    stream.end(Buffer.from([10, 11, 12, 13, 14]));
    expect(Array.from((await frames.next())!)).toEqual([1, 2, 3, 4]);
    expect(Array.from((await frames.next())!)).toEqual([5, 6, 7, 8]);
    expect(Array.from((await frames.next())!)).toEqual([9, 10, 11, 12]);
    expect(await frames.next()).toBeNull();
    expect(await frames.next()).toBeNull();
  });

  it('pauses the stream once maxQueued frames wait, and resumes when one is taken', async () => {
    const stream = new PassThrough();
    const frames = new PipeFrames(stream, 2, 2);
    stream.write(Buffer.from([1, 1, 2, 2, 3, 3]));
    await tick();
    expect(frames.queued).toBe(3); // one chunk can overshoot; then the stream stops
    expect(stream.isPaused()).toBe(true);
    stream.write(Buffer.from([4, 4]));
    await tick();
    expect(frames.queued).toBe(3);
    await frames.next();
    await frames.next();
    expect(stream.isPaused()).toBe(false);
    await tick();
    expect(frames.queued).toBe(2); // frame 3 and the held-back frame 4
  });

  it('keeps linked streams flowing while one of them is waited on', async () => {
    const small = new PassThrough();
    const big = new PassThrough();
    const a = new PipeFrames(small, 1, 1);
    const b = new PipeFrames(big, 3, 1);
    PipeFrames.link(a, b);
    small.write(Buffer.from([1, 2]));
    await tick();
    expect(small.isPaused()).toBe(true);
    // Waiting on `big` must let `small` flow: a decoder may have to write there first.
    const pending = b.next();
    small.write(Buffer.from([3, 4, 5]));
    await tick();
    expect(a.queued).toBe(5);
    big.write(Buffer.from([7, 8, 9]));
    expect(Array.from((await pending)!)).toEqual([7, 8, 9]);
  });

  it('drains the frames `keep` declines, deciding at each frame start, and gives undefined for them', async () => {
    const stream = new PassThrough();
    const wanted = [true, false, false, true];
    const asked: number[] = [];
    let n = 0;
    const frames = new PipeFrames(stream, 3, 8, () => {
      asked.push(n);
      return wanted[n++];
    });
    // Frame boundaries fall inside chunks: the predicate runs once per frame, at its first byte.
    stream.write(Buffer.from([1, 2, 3, 4]));
    stream.write(Buffer.from([5, 6, 7, 8, 9, 10, 11]));
    stream.end(Buffer.from([12, 13]));
    expect(Array.from((await frames.next())!)).toEqual([1, 2, 3]);
    expect(await frames.next()).toBeUndefined();
    expect(await frames.next()).toBeUndefined();
    expect(Array.from((await frames.next())!)).toEqual([10, 11, 12]);
    expect(await frames.next()).toBeNull();
    expect(asked).toEqual([0, 1, 2, 3, 4]); // 4: the trailing partial frame, dropped
  });

  it('rejects with the stream error', async () => {
    const stream = new PassThrough();
    const frames = new PipeFrames(stream, 4);
    const pending = frames.next();
    stream.destroy(new Error('EPIPE'));
    await expect(pending).rejects.toThrow('EPIPE');
  });
});
