/** Track rows keep the flat `attributes` JSON the database has always held, from typed track attributes. */
import type { FrameResult } from '../../src/pipelines/camera/channel';
import { detectionRows, storedAttributes, trackRows } from '../../src/pipelines/camera/records';
import type { Track } from '../../src/pipelines/camera/tracker/tracker';

const identity = { id: 'id-1', similarity: 0.8123, embeddings: 3 };
const demographics = { gender: 'female', genderConfidence: 0.9, age: 31.3, samples: 4 } as const;

describe('storedAttributes', () => {
  it('flattens identity and demographics into the stored keys', () => {
    expect(storedAttributes({ identity, demographics })).toEqual({
      identityId: 'id-1',
      identitySimilarity: 0.8123,
      embeddings: 3,
      gender: 'female',
      genderConfidence: 0.9,
      age: 31.3,
      ageSamples: 4,
    });
    expect(storedAttributes({ demographics, label: 'Alice' })).toEqual({
      gender: 'female',
      genderConfidence: 0.9,
      age: 31.3,
      ageSamples: 4,
      label: 'Alice',
    });
    expect(storedAttributes(undefined)).toEqual({});
  });
});

describe('trackRows', () => {
  it('writes the identity id column and the flat JSON of an ended track', () => {
    const track = {
      id: 7,
      state: 'ended',
      hits: 5,
      frames: 5,
      firstSeen: 1000,
      lastSeen: 2000,
      firstSeq: 1,
      lastSeq: 5,
      best: { box: [1, 2, 3, 4], score: 0.9 },
    } as unknown as Track;
    const result = {
      channel: 'cam',
      tracking: { events: [{ type: 'ended', track }] },
      attributes: { 7: { identity, demographics } },
    } as unknown as FrameResult;
    const [row] = trackRows(1, result, 3);
    expect(row.identity_id).toBe('id-1');
    expect(JSON.parse(row.attributes as string)).toEqual(storedAttributes({ identity, demographics }));
    const bare = { ...result, attributes: undefined };
    expect(trackRows(1, bare, 3)[0]).toMatchObject({ identity_id: null, attributes: '{}' });
  });
});

describe('detectionRows', () => {
  it('stores a null track id for a low-score detection that no track took (trackId -1)', () => {
    const result = {
      channel: 'cam',
      seq: 4,
      capturedAt: 1000,
      detections: [
        { box: [0, 0, 10, 10], score: 0.9 },
        { box: [50, 50, 60, 60], score: 0.35 },
      ],
      tracking: { trackIds: [3, -1] },
    } as unknown as FrameResult;
    expect(detectionRows(1, result, 'all').map((r) => r.track_id)).toEqual([3, null]);
  });
});
