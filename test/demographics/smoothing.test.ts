import {
  DemographicsSmoother,
  mergeDemographics,
  trimmedMean,
  trimmedSpread,
} from '../../src/pipelines/camera/demographics/smoothing';

describe('trimmedMean', () => {
  it('drops the extremes before averaging', () => {
    expect(trimmedMean([30, 31, 29, 30, 90], 0.2)).toBeCloseTo(30.333, 3);
    expect(trimmedMean([10])).toBe(10);
    expect(trimmedMean([])).toBeNaN();
  });
});

describe('DemographicsSmoother', () => {
  it('votes gender, keeps a robust age over the last window of samples', () => {
    const s = new DemographicsSmoother(5);
    expect(s.value()).toBeUndefined();
    for (const [age, male] of [
      [80, 0.9],
      [30, 0.8],
      [32, 0.3],
      [31, 0.9],
      [29, 0.7],
      [30, 0.95],
    ])
      s.add({ age, male });
    const v = s.value()!;
    expect(v.gender).toBe('male');
    expect(v.samples).toBe(6);
    // The outlier 80 left the window of 5; the trimmed mean of 30, 32, 31, 29, 30 drops 29 and 32.
    expect(v.age).toBeCloseTo(30.3, 1);
    // Winners' probabilities over all samples: (0.9 + 0.8 + 0.9 + 0.7 + 0.95) / 6.
    expect(v.genderConfidence).toBeCloseTo(4.25 / 6, 3);
  });
});

describe('mergeDemographics', () => {
  it('weights track and identity by their samples', () => {
    const merged = mergeDemographics(
      { gender: 'female', genderConfidence: 0.9, age: 20, samples: 3 },
      { gender: 'male', genderConfidence: 0.6, age: 40, samples: 1 },
    );
    expect(merged.samples).toBe(4);
    expect(merged.age).toBe(25);
    expect(merged.gender).toBe('female'); // P(male) = (0.1 * 3 + 0.6) / 4 = 0.225
    expect(merged.genderConfidence).toBeCloseTo(0.775, 3);
  });
});

describe('settling', () => {
  const criteria = { samples: 5, genderConfidence: 0.85, ageSpread: 5 };
  const smoother = (samples: Array<[age: number, male: number]>) => {
    const s = new DemographicsSmoother(15);
    for (const [age, male] of samples) s.add({ age, male });
    return s;
  };

  it('measures the spread of the ages left after trimming, ignoring outliers', () => {
    expect(trimmedSpread([30])).toBe(0);
    expect(trimmedSpread([30, 30, 30, 30, 30])).toBe(0);
    expect(trimmedSpread([29, 30, 31, 30, 90])).toBeCloseTo(0.577, 3); // 29 and 90 trimmed: 30, 30, 31
  });

  it('settles with enough samples, a clear gender and ages that agree', () => {
    expect(smoother(Array(5).fill([30, 0.95])).settled(criteria)).toBe(true);
    expect(smoother(Array(4).fill([30, 0.95])).settled(criteria)).toBe(false); // too few
    expect(smoother(Array(5).fill([30, 0.6])).settled(criteria)).toBe(false); // borderline gender
    const votesSplit = smoother([...Array(4).fill([30, 0.95]), [30, 0.05]]);
    expect(votesSplit.settled(criteria)).toBe(false); // 4 of 5 votes: confidence 0.76
    const agesApart = smoother([20, 30, 40, 50, 60].map((age) => [age, 0.95] as [number, number]));
    expect(agesApart.settled(criteria)).toBe(false);
  });
});
