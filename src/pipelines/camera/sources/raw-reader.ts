/** Geometry and rate of an opened source. */
export interface SourceInfo {
  width: number;
  height: number;
  /** The source's own frame rate, when it declares one. */
  fps?: number;
  /** Frame count for files, when known. */
  frames?: number;
}

import type { InputLayout } from '../frame';

/**
 * A reader of raw BGR24 frames. Every method is asynchronous and never blocks the event loop: decoding
 * happens in another process (FFmpeg) or on libuv's thread pool (OpenCV *Async calls).
 */
export interface RawFrameReader {
  readonly info: SourceInfo;
  /**
   * Set when the reader hands over frames already letterboxed to this layout (layout.width * height * 3
   * bytes) instead of full frames; `info` still gives the source's size.
   */
  readonly resized?: InputLayout;
  /** The next frame (width*height*3 bytes, BGR, or the resized input), or null at the end of the source. */
  read(): Promise<Uint8Array | null>;
  /** Releases the decoder; safe to call twice and while a read is pending. */
  close(): Promise<void>;
}

/** A source problem that retrying will not fix (missing file, unsupported format, bad credentials). */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}
