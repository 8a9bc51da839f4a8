/** Geometry and rate of an opened source. */
export interface SourceInfo {
  width: number;
  height: number;
  /** The source's own frame rate, when it declares one. */
  fps?: number;
  /** Frame count for files, when known. */
  frames?: number;
}

import type { InputLayout } from '../../../kernels/frame';

/** One frame from a reader: the full picture and/or the decoder-resized detector input (BGR24 both). */
export interface RawFrame {
  /** Full frame, info.width * info.height * 3 bytes; absent on frames without one (see `fullEvery`). */
  data?: Uint8Array;
  /** The frame letterboxed to the reader's `resized` layout. */
  resized?: Uint8Array;
}

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
  /** Every how many frames a full frame comes (1: all; 0 or undefined with `resized`: none). */
  readonly fullEvery?: number;
  /** The next frame, or null at the end of the source. */
  read(): Promise<RawFrame | null>;
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
