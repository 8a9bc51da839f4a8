import { parseConfig } from '../../src/config';

describe('channelDefaults', () => {
  const config = parseConfig(
    {
      channelDefaults: {
        pace: 'asap',
        detector: { type: 'blazeface', scoreThreshold: 0.6 },
        tracker: { minHits: 5 },
      },
      channels: [
        { id: 'a', source: 'a.avi' },
        { id: 'b', source: 'b.avi', pace: 12, detector: { type: 'blazeface', variant: 'back' } },
        { id: 'c', source: 'c.avi', detector: { type: 'haar' } },
      ],
    },
    'defaults.json',
  );
  const [a, b, c] = config.channels!;

  it('applies defaults to channels that do not set them', () => {
    expect(a.pace).toBe('asap');
    expect(a.detector).toMatchObject({ type: 'blazeface', scoreThreshold: 0.6 });
    expect(a.tracker.minHits).toBe(5);
    expect(a.tracker.iouThreshold).toBe(0.3); // schema default still fills the rest
  });

  it('lets a channel override a default, merging object settings one level deep', () => {
    expect(b.pace).toBe(12);
    expect(b.detector).toMatchObject({ type: 'blazeface', variant: 'back', scoreThreshold: 0.6 });
  });

  it('does not mix settings of a different detector type into a channel', () => {
    expect(c.detector).toEqual(expect.objectContaining({ type: 'haar' }));
    expect(c.detector).not.toHaveProperty('scoreThreshold');
  });

  it('validates the defaults themselves with their path', () => {
    expect(() =>
      parseConfig({ channelDefaults: { pace: -1 }, channels: [{ id: 'x', source: 'x.avi' }] }, 'bad.json'),
    ).toThrow(/channelDefaults\.pace/);
  });
});
