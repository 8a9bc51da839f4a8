import type { FrameResult } from '../../src/pipelines/camera/channel';
import type { TrackAttributesById } from '../../src/kernels/track-attributes';
import type { TrackEventType } from '../../src/pipelines/camera/tracker';
import { formatRunSummary, RunSummaryCollector } from '../../src/cli/display/run-summary';

/** A result of `channel` with the given track events and attributes (the rest is irrelevant here). */
function result(
  channel: string,
  events: Array<[TrackEventType, number]>,
  attributes?: TrackAttributesById,
): FrameResult {
  return {
    channel,
    seq: 0,
    capturedAt: 0,
    width: 640,
    height: 480,
    detectedAt: 0,
    detections: [],
    tracking: {
      seq: 0,
      timestamp: 0,
      tracks: [],
      trackIds: [],
      events: events.map(([type, id]) => ({
        type,
        seq: 0,
        timestamp: 0,
        track: { id } as FrameResult['tracking']['tracks'][number],
      })),
    },
    attributes,
  };
}

const identity = (id: string) => ({ id, similarity: 0.95, embeddings: 3 });
const demo = (gender: 'male' | 'female', age: number, samples: number) => ({
  gender,
  genderConfidence: 0.9,
  age,
  samples,
});

describe('RunSummaryCollector', () => {
  it('gathers identities across channels, tracks per channel and gender/age per identity', () => {
    const c = new RunSummaryCollector();
    c.add(result('lobby', [['started', 1]]));
    c.add(result('lobby', [['confirmed', 1]]));
    c.add(
      result('lobby', [], {
        1: { identity: identity('aaaaaaaa-1111'), demographics: demo('female', 30, 2) },
      }),
    );
    c.add(
      result('lobby', [], {
        1: { identity: identity('aaaaaaaa-1111'), demographics: demo('female', 31, 6) },
      }),
    );
    c.add(result('lobby', [['confirmed', 2]]));
    c.add(result('desk', [['confirmed', 1]], { 1: { identity: identity('aaaaaaaa-1111') } }));
    c.add(
      result('desk', [['confirmed', 7]], {
        7: { identity: identity('bbbbbbbb-2222'), demographics: demo('male', 52, 3) },
      }),
    );
    c.add(result('office', [['started', 3]])); // never confirmed: no track

    const s = c.summary();
    expect(s.tracksPerChannel).toEqual({ desk: 2, lobby: 2, office: 0 });
    expect(s.tracksWithoutIdentity).toBe(1);
    expect(s.identities).toEqual([
      {
        id: 'aaaaaaaa-1111',
        channels: ['desk', 'lobby'],
        tracks: 2,
        demographics: demo('female', 31, 6),
      },
      { id: 'bbbbbbbb-2222', channels: ['desk'], tracks: 1, demographics: demo('male', 52, 3) },
    ]);
    expect(formatRunSummary(s)).toBe(
      [
        'identities seen: 2 (1 on more than one channel)',
        '  aaaaaaaa  female, about 31 years; 2 tracks on desk, lobby',
        '  bbbbbbbb  male, about 52 years; 1 track on desk',
        'tracks per channel: desk 2, lobby 2, office 0',
        'tracks without an identity: 1',
      ].join('\n'),
    );
  });

  it('says so when nothing was seen', () => {
    expect(formatRunSummary(new RunSummaryCollector().summary())).toBe(
      'identities seen: 0\ntracks per channel: none',
    );
  });
});
