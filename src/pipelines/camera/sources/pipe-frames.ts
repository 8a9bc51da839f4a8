import type { Readable } from 'node:stream';
import type { WantsPixels } from './wants-pixels';

/**
 * Cuts a byte stream (a decoder's pipe) into fixed-size frames, keeping at most `maxQueued` whole frames
 * read ahead: past that the stream is paused, so the decoder blocks on its pipe instead of filling memory.
 * While a caller waits for a frame the stream flows, and so do the streams linked with {@link link} (the
 * other pipes of the same decoder): a decoder writing several pipes in its own order can never block on a
 * paused pipe while the caller waits on another one.
 *
 * With a `wantsPixels` predicate, each frame is kept or skipped when its first byte arrives: a skipped frame is
 * drained from the pipe without being allocated or copied, and `next()` gives `undefined` for it (big
 * frames that nobody wants then cost no memory, copy, transfer or garbage collection).
 */
export class PipeFrames {
  private peers: PipeFrames[] = [];

  /** Whole frames read ahead: their bytes, or undefined for a skipped frame. */
  private readonly queue: Array<Uint8Array | undefined> = [];
  /** The frame being read (undefined while a skipped frame is drained: its bytes are counted only). */
  private partial: Uint8Array | undefined;
  private filled = 0;
  private done = false;
  private failure: Error | undefined;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly stream: Readable,
    private readonly frameBytes: number,
    private readonly maxQueued = 2,
    private readonly wantsPixels?: WantsPixels,
  ) {
    stream.on('data', (chunk: Buffer) => this.push(chunk));
    stream.on('end', () => this.finish());
    stream.on('close', () => this.finish());
    stream.on('error', (err) => {
      this.failure = err;
      this.finish();
    });
  }

  /** Makes the given readers flow whenever any of them is waited on (pipes of one decoder). */
  static link(...readers: PipeFrames[]): void {
    for (const r of readers) r.peers = readers.filter((o) => o !== r);
  }

  /** Whole frames read ahead and not yet taken. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * The next whole frame, undefined for a frame `wantsPixels` skipped, or null when the stream ended (a trailing
   * partial frame is dropped). Rejects with the stream's error. One caller at a time.
   */
  async next(): Promise<Uint8Array | undefined | null> {
    while (this.queue.length === 0) {
      if (this.done) {
        if (this.failure) throw this.failure;
        return null;
      }
      this.stream.resume();
      for (const p of this.peers) p.stream.resume();
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    const frame = this.queue.shift();
    if (this.queue.length < this.maxQueued && !this.done) this.stream.resume();
    return frame;
  }

  private push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.filled === 0) {
        this.partial = this.wantsPixels && !this.wantsPixels() ? undefined : new Uint8Array(this.frameBytes);
      }
      const take = Math.min(chunk.length - offset, this.frameBytes - this.filled);
      this.partial?.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameBytes) {
        this.queue.push(this.partial);
        this.partial = undefined;
        this.filled = 0;
      }
    }
    if (this.queue.length >= this.maxQueued && !this.waiting()) this.stream.pause();
    this.wake();
  }

  /** Someone waits on this reader or a linked one: pausing now could block the decoder for good. */
  private waiting(): boolean {
    return this.waiter !== undefined || this.peers.some((p) => p.waiter !== undefined);
  }

  private finish(): void {
    this.done = true;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
