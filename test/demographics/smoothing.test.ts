import {
  DemographicsSmoother,
  mergeDemographics,
  trimmedMean,
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
