/**
 * The closing summary of a camera run with Re-ID and gender/age: which identities were seen on which
 * channels, how many tracks each channel had, and the gender/age of each identity. Built from the run's
 * results (`RunChannelsOptions.onResult`), printed by `pipeline run` when a channel runs the face stages.
 */
import type { RxvisionConfig } from '../../config';
import type { FrameResult } from '../../pipelines/camera/channel';
import { usesFaceCrops } from '../../pipelines/camera/face-stages';
import type { Demographics } from '../../kernels/track-attributes';

/** What was seen of one identity over the run. */
export interface IdentitySeen {
  id: string;
  /** Channels it was seen on, sorted. */
  channels: string[];
  /** Tracks (channel and track id) matched to it. */
  tracks: number;
  /** Its gender/age: that of its track with the most samples. */
  demographics?: Demographics;
}

/** The run's faces at a glance. */
export interface RunFaceSummary {
  identities: IdentitySeen[];
  /** Confirmed tracks per channel. */
  tracksPerChannel: Record<string, number>;
  /** Confirmed tracks that got no identity (too small, too short, or Re-ID off). */
  tracksWithoutIdentity: number;
}

interface TrackSeen {
  channel: string;
  identity?: string;
  demographics?: Demographics;
}

/** Collects a run's results into a {@link RunFaceSummary}; `add` is cheap enough for every result. */
export class RunSummaryCollector {
  private readonly tracks = new Map<string, TrackSeen>();
  private readonly channels = new Set<string>();

  /** Takes one result (the `onResult` hook of `runChannels`). */
  readonly add = (result: FrameResult): void => {
    this.channels.add(result.channel);
    for (const event of result.tracking.events) {
      if (event.type !== 'confirmed') continue;
      const key = `${result.channel}#${event.track.id}`;
      if (!this.tracks.has(key)) this.tracks.set(key, { channel: result.channel });
    }
    for (const [trackId, attributes] of Object.entries(result.attributes ?? {})) {
      const key = `${result.channel}#${trackId}`;
      const track = this.tracks.get(key) ?? { channel: result.channel };
      if (attributes.identity) track.identity = attributes.identity.id;
      const d = attributes.demographics;
      if (d && (!track.demographics || d.samples >= track.demographics.samples)) track.demographics = d;
      this.tracks.set(key, track);
    }
  };

  /** An `onResult` hook that collects and then hands the result on to `next` (another hook, if any). */
  alongside(next?: (result: FrameResult) => void): (result: FrameResult) => void {
    return (result) => {
      this.add(result);
      next?.(result);
    };
  }

  summary(): RunFaceSummary {
    const tracksPerChannel: Record<string, number> = {};
    for (const c of [...this.channels].sort()) tracksPerChannel[c] = 0;
    const identities = new Map<string, IdentitySeen>();
    let tracksWithoutIdentity = 0;
    for (const track of this.tracks.values()) {
      tracksPerChannel[track.channel] = (tracksPerChannel[track.channel] ?? 0) + 1;
      if (!track.identity) {
        tracksWithoutIdentity++;
        continue;
      }
      const seen = identities.get(track.identity) ?? { id: track.identity, channels: [], tracks: 0 };
      seen.tracks++;
      if (!seen.channels.includes(track.channel)) seen.channels = [...seen.channels, track.channel].sort();
      const d = track.demographics;
      if (d && (!seen.demographics || d.samples > seen.demographics.samples)) seen.demographics = d;
      identities.set(track.identity, seen);
    }
    const sorted = [...identities.values()].sort(
      (a, b) => b.channels.length - a.channels.length || b.tracks - a.tracks || a.id.localeCompare(b.id),
    );
    return { identities: sorted, tracksPerChannel, tracksWithoutIdentity };
  }
}

/** The summary as a few lines of text (identity ids shortened to their first 8 characters). */
export function formatRunSummary(s: RunFaceSummary): string {
  const across = s.identities.filter((i) => i.channels.length > 1).length;
  const lines = [
    `identities seen: ${s.identities.length}` + (across ? ` (${across} on more than one channel)` : ''),
  ];
  for (const i of s.identities) {
    const d = i.demographics;
    const who = d ? `${d.gender}, about ${Math.round(d.age)} years` : 'gender/age not yet known';
    lines.push(
      `  ${i.id.slice(0, 8)}  ${who}; ${i.tracks} track${i.tracks === 1 ? '' : 's'} on ${i.channels.join(', ')}`,
    );
  }
  const perChannel = Object.entries(s.tracksPerChannel).map(([c, n]) => `${c} ${n}`);
  lines.push(`tracks per channel: ${perChannel.join(', ') || 'none'}`);
  if (s.tracksWithoutIdentity) lines.push(`tracks without an identity: ${s.tracksWithoutIdentity}`);
  return lines.join('\n');
}

/** A collector when some enabled channel runs Re-ID or gender/age, else undefined (nothing to summarise). */
export function faceSummaryFor(config: RxvisionConfig): RunSummaryCollector | undefined {
  return config.channels?.some((c) => c.enabled && usesFaceCrops(c)) ? new RunSummaryCollector() : undefined;
}
