import { existsSync } from 'node:fs';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Readable } from 'node:stream';
import { scrubUrlMessage, urlSecrets } from '../../../util/redact';
import { planLetterbox } from '../../../kernels/detectors/letterbox';
import type { InputLayout } from '../../../kernels/frame';
import { PipeFrames } from './pipe-frames';
import { checkReachable } from './reachable';
import { SourceError, type RawFrame, type RawFrameReader, type SourceInfo } from './raw-reader';
import type { SourceSpec } from './source-uri';
import type { WantsPixels } from './wants-pixels';

const execFileAsync = promisify(execFile);

export interface FfmpegReaderOptions {
  /** Network read/open timeout; FFmpeg gives up on a silent stream after this long. */
  timeoutMs?: number;
  /** Extra input options placed before `-i` (e.g. ['-re']). */
  inputArgs?: string[];
  /**
   * Decoder and colour-conversion threads per source (default 1): with many channels on few cores, one
   * thread each avoids oversubscription; raise it for a single high-resolution stream.
   */
  threads?: number;
  /**
   * Hand over each frame letterboxed to this detector input instead of the full frame: FFmpeg crops,
   * scales (area averaging) and pads, so the pipe carries a few kB per frame and nobody resizes again.
   */
  resize?: InputLayout;
  /**
   * Files only: FFmpeg restarts the file itself at its end (-stream_loop), so looping costs no new
   * process (spawning one from a large Node process blocks the event loop for tens of ms).
   */
  loop?: boolean;
  /**
   * With `resize`: also hand over every Nth full frame (from the first), for face crops or the live view;
   * undefined or 0: none.
   */
  fullEvery?: number;
  /**
   * With `fullEvery`: asked as each due full frame starts to arrive; when it says no, that frame is drained
   * from the pipe unread (no allocation, copy or transfer) and the frame comes with its resized input only.
   * Default: every due full frame is kept.
   */
  wantsPixels?: WantsPixels;
  /**
   * The source's geometry from an earlier connection (a reconnect): no separate probe connection is made;
   * the size the new stream's header tells is checked against it before the reader is handed over (a
   * different size fails with a retryable {@link SourceError}, after which the caller probes afresh).
   */
  knownInfo?: SourceInfo;
}

/**
 * How long FFmpeg analyses a network stream before it starts (microseconds, its -analyzeduration). The
 * default of 5 s delays every (re)connect; an RTSP or HTTP stream's header usually tells the size at once,
 * and FFmpeg still reads on until it knows the codec parameters.
 */
const STREAM_ANALYZE_US = '200000';

/** How long the reachability check before a network stream's decoder may take at most. */
const REACHABLE_TIMEOUT_MS = 2000;

/**
 * FFmpeg filters that letterbox a `width` x `height` frame exactly as {@link planLetterbox} plans it (same
 * region, resized size and padding, so boxes map back identically). Scaling converts to BGR on the small
 * picture; padding comes after it, in BGR, so odd offsets are not rounded to chroma samples.
 */
export function letterboxFilter(width: number, height: number, layout: InputLayout): string {
  const plan = planLetterbox(width, height, layout);
  if (!plan) {
    throw new SourceError(`roi [${layout.roi?.join(', ')}] lies outside the ${width}x${height} frame`, true);
  }
  const [rx, ry, rw, rh] = plan.region;
  const filters: string[] = [];
  if (rx !== 0 || ry !== 0 || rw !== width || rh !== height)
    filters.push(`crop=${rw}:${rh}:${rx}:${ry}:exact=1`);
  const shrink = plan.resizedW <= rw && plan.resizedH <= rh;
  filters.push(
    `scale=${plan.resizedW}:${plan.resizedH}:flags=${shrink ? 'area' : 'bilinear'}`,
    'format=bgr24',
  );
  if (plan.resizedW !== layout.width || plan.resizedH !== layout.height) {
    filters.push(`pad=${layout.width}:${layout.height}:${plan.padX}:${plan.padY}:black`);
  }
  return filters.join(',');
}

function networkArgs(spec: SourceSpec, timeoutMs: number): string[] {
  if (spec.kind === 'device') return ['-f', 'v4l2'];
  if (spec.kind !== 'stream') return [];
  const us = String(timeoutMs * 1000);
  const analyze = ['-analyzeduration', STREAM_ANALYZE_US];
  if (/^rtsps?:/i.test(spec.uri)) return [...analyze, '-rtsp_transport', 'tcp', '-timeout', us];
  return [...analyze, '-rw_timeout', us];
}

function classify(stderr: string): boolean {
  // Permanent: retrying cannot help.
  return /No such file|Invalid data found|401 Unauthorized|403 Forbidden|404 Not Found|Protocol not found|does not contain any stream/i.test(
    stderr,
  );
}

function parseRate(rate: string | undefined): number | undefined {
  if (!rate) return undefined;
  const [n, d] = rate.split('/').map(Number);
  const fps = d ? n / d : n;
  return Number.isFinite(fps) && fps > 0 && fps < 1000 ? fps : undefined;
}

/** A reconnected stream no longer matches the `knownInfo` it was opened with: probe it afresh. */
export class SourceChangedError extends SourceError {
  constructor(message: string) {
    super(message, false);
    this.name = 'SourceChangedError';
  }
}

/** Keeps FFmpeg's error lines (tagged `[error]`, `[fatal]`, `[panic]` under `-loglevel level+...`), untagged. */
function errorLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => /\[(error|fatal|panic)\] /.test(line))
    .map((line) => line.replace(/\[(error|fatal|panic)\] /, '') + '\n')
    .join('');
}

/** Finds the size of the first video stream in FFmpeg's input description (`Stream #0:0: Video: ..., WxH`). */
class StreamHeader {
  private text = '';
  private done = false;
  private resolve: (size: { width: number; height: number }) => void = () => undefined;
  readonly size = new Promise<{ width: number; height: number }>((r) => (this.resolve = r));

  push(chunk: string): void {
    // Only the first lines matter (the input's description comes before any output's).
    if (this.done || this.text.length > 65_536) return;
    this.text += chunk;
    const m = /Stream #0:\d+[^\n]*?: Video: [^\n]*?\b(\d{2,5})x(\d{2,5})\b/.exec(this.text);
    if (m) {
      this.done = true;
      this.resolve({ width: Number(m[1]), height: Number(m[2]) });
    }
  }
}

/** Reads width, height and rate with ffprobe (a child process: never blocks the event loop). */
export async function probe(spec: SourceSpec, timeoutMs = 10_000): Promise<SourceInfo> {
  const args = [
    '-v',
    'error',
    ...networkArgs(spec, timeoutMs),
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height,avg_frame_rate,r_frame_rate,nb_frames',
    '-of',
    'json',
    spec.uri,
  ];
  try {
    const { stdout } = await execFileAsync('ffprobe', args, {
      timeout: timeoutMs + 2000,
      maxBuffer: 1 << 20,
    });
    const stream = (JSON.parse(stdout).streams ?? [])[0];
    if (!stream?.width || !stream?.height) {
      throw new SourceError(`${spec.display}: no video stream found`, true);
    }
    const frames = Number(stream.nb_frames);
    return {
      width: stream.width,
      height: stream.height,
      fps: parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate),
      frames: Number.isFinite(frames) && frames > 0 ? frames : undefined,
    };
  } catch (err) {
    if (err instanceof SourceError) throw err;
    const e = err as { stderr?: string; killed?: boolean; message: string };
    const detail = scrubUrlMessage(
      (e.stderr || e.message).trim().split('\n').slice(-2).join(' '),
      urlSecrets(spec.uri),
    );
    if (e.killed) throw new SourceError(`${spec.display}: timed out opening the source`, false);
    throw new SourceError(`${spec.display}: cannot open: ${detail}`, classify(detail));
  }
}

/**
 * Decodes any source FFmpeg can read into raw BGR24 frames through a pipe. The decoder is a separate
 * process: a dead stream never blocks the event loop, and closing kills it outright. Pipe backpressure
 * pauses FFmpeg when nobody reads.
 */
export async function openFfmpegReader(
  spec: SourceSpec,
  options: FfmpegReaderOptions = {},
): Promise<RawFrameReader> {
  if (spec.kind === 'file' && !existsSync(spec.uri))
    throw new SourceError(`${spec.display}: file not found`, true);
  const timeoutMs = options.timeoutMs ?? 10_000;
  await checkReachable(spec, Math.min(timeoutMs, REACHABLE_TIMEOUT_MS));
  const known = options.knownInfo;
  const info = known ?? (await probe(spec, timeoutMs));
  const resize = options.resize;
  const fullEvery = resize ? options.fullEvery : 1;
  const fullBytes = info.width * info.height * 3;
  const rawOutput = (pipe: string) => [
    '-fps_mode',
    'passthrough',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'bgr24',
    pipe,
  ];
  // Outputs: full frames only; the resized input only; or the resized input on pipe 1 plus every Nth full
  // frame on pipe 3 (one decode feeds both).
  let outputArgs: string[];
  if (!resize) outputArgs = rawOutput('pipe:1');
  else if (!fullEvery)
    outputArgs = ['-vf', letterboxFilter(info.width, info.height, resize), ...rawOutput('pipe:1')];
  else {
    const graph =
      `[0:v]split=2[d][f];[d]${letterboxFilter(info.width, info.height, resize)}[det];` +
      `[f]select='not(mod(n\\,${fullEvery}))'[full]`;
    outputArgs = [
      '-filter_complex',
      graph,
      '-map',
      '[det]',
      ...rawOutput('pipe:1'),
      '-map',
      '[full]',
      ...rawOutput('pipe:3'),
    ];
  }
  const proc = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostats',
      '-loglevel',
      // Without a probe the input's header (an info line) tells the size; level tags keep errors apart.
      known ? 'level+info' : 'error',
      '-nostdin',
      ...networkArgs(spec, timeoutMs),
      ...(options.loop && spec.kind === 'file' ? ['-stream_loop', '-1'] : []),
      ...(options.inputArgs ?? []),
      '-threads',
      String(options.threads ?? 1),
      '-filter_threads',
      String(options.threads ?? 1),
      '-i',
      spec.uri,
      '-an',
      '-sn',
      // -fps_mode passthrough (per output): every decoded frame once, as decoded: no duplicates or drops
      // to fake a constant rate, exact frame counts across -stream_loop restarts.
      ...outputArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe', ...(resize && fullEvery ? (['pipe'] as const) : [])] },
  );
  let stderr = '';
  const header = known ? new StreamHeader() : undefined;
  proc.stderr?.on('data', (d: Buffer) => {
    const text = d.toString();
    header?.push(text);
    stderr = (stderr + (header ? errorLines(text) : text)).slice(-4096);
  });
  // 'close' (all output read) gives the full stderr for error messages; 'exit' is what close() waits
  // for, since 'close' never comes while unread frames sit in the pipe.
  const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
  const terminated = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const failure = async (code: number | null) => {
    const detail = scrubUrlMessage(stderr.trim().split('\n').slice(-2).join(' '), urlSecrets(spec.uri));
    return new SourceError(`${spec.display}: decoder exited with code ${code}: ${detail}`, classify(detail));
  };
  if (header && known) {
    // Reconnect without a probe: hand the reader over once the header confirms the size.
    const size = await Promise.race([header.size, exited.then(() => undefined)]);
    if (!size || size.width !== known.width || size.height !== known.height) {
      proc.kill('SIGKILL');
      const code = await exited;
      if (!size) throw await failure(code);
      throw new SourceChangedError(
        `${spec.display}: frame size changed from ${known.width}x${known.height} to ${size.width}x${size.height}`,
      );
    }
  }
  const primary = new PipeFrames(
    proc.stdout as Readable,
    resize ? resize.width * resize.height * 3 : fullBytes,
  );
  const fullPipe = resize && fullEvery ? (proc.stdio[3] as Readable) : undefined;
  // Full frames are big: keep one read ahead; the small resized ones may run a few frames ahead.
  const full = fullPipe ? new PipeFrames(fullPipe, fullBytes, 1, options.wantsPixels) : undefined;
  if (full) PipeFrames.link(primary, full);
  let index = 0;
  let closed = false;

  async function next(frames: PipeFrames): Promise<Uint8Array | undefined | null> {
    try {
      return await frames.next();
    } catch (err) {
      if (closed) return null;
      throw err;
    }
  }

  async function read(): Promise<RawFrame | null> {
    if (closed) return null;
    const first = await next(primary);
    const keyframe = full !== undefined && fullEvery !== undefined && index % fullEvery === 0;
    const second = first && keyframe ? await next(full) : undefined;
    if (first && second !== null) {
      index++;
      if (!resize) return { data: first };
      return second ? { resized: first, data: second } : { resized: first };
    }
    const code = await exited;
    if (closed || code === 0) return null;
    throw await failure(code);
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    proc.stdout?.destroy();
    fullPipe?.destroy();
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await terminated;
  }

  return { info, resized: resize, fullEvery: resize ? fullEvery : 1, read, close };
}
