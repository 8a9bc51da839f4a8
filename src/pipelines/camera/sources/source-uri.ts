import { existsSync, statSync } from 'node:fs';
import { redactUrl } from '../../../util/redact';

/** What a channel's `source` string designates. */
export type SourceKind = 'file' | 'stream' | 'device' | 'images';

export interface SourceSpec {
  kind: SourceKind;
  /** What the reader opens: a path, a URL (with credentials), or a device index. */
  uri: string;
  /** The same, safe to log. */
  display: string;
  /** Device index for `device` sources (from /dev/videoN or a bare number). */
  deviceIndex?: number;
}

/**
 * Classifies a source string: `rtsp://`, `rtmp://`, `http(s)://`, `udp://`, `tcp://`, `srt://` are streams;
 * `/dev/videoN` or a bare integer is a USB/V4L2 device; an existing directory is an image sequence;
 * anything else is a video file.
 */
export function parseSource(source: string): SourceSpec {
  const display = redactUrl(source);
  if (/^(rtsps?|rtmps?|https?|udp|tcp|srt):\/\//i.test(source))
    return { kind: 'stream', uri: source, display };
  const dev = /^(?:\/dev\/video)?(\d+)$/.exec(source);
  if (dev) return { kind: 'device', uri: `/dev/video${dev[1]}`, display, deviceIndex: Number(dev[1]) };
  if (existsSync(source) && statSync(source).isDirectory()) return { kind: 'images', uri: source, display };
  return { kind: 'file', uri: source, display };
}
