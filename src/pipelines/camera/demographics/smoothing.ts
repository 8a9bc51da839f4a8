/**
 * Per-track smoothing of age/gender samples: age as a trimmed mean of the most recent samples (robust to a
 * few bad crops), gender by majority vote with the winners' mean probability as confidence.
 */
import type { AgeGender } from '../../../kernels/faces/model-config';
import type { Demographics } from '../../../kernels/track-attributes';

export type { Demographics };

/** The values sorted, without `trim` (fraction) of the lowest and of the highest. */
function trimmed(values: readonly number[], trim: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const cut = Math.floor(sorted.length * trim);
  return sorted.slice(cut, sorted.length - cut);
}

/** Mean of the values after dropping `trim` (fraction) of the lowest and highest. */
export function trimmedMean(values: readonly number[], trim = 0.2): number {
  if (values.length === 0) return NaN;
  const kept = trimmed(values, trim);
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

/** Standard deviation of the values left after {@link trimmedMean}'s trimming (0 for fewer than 2). */
export function trimmedSpread(values: readonly number[], trim = 0.2): number {
  const kept = trimmed(values, trim);
  if (kept.length < 2) return 0;
  const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
  return Math.sqrt(kept.reduce((a, v) => a + (v - mean) ** 2, 0) / (kept.length - 1));
}

/** When a track's estimate counts as settled (no more samples needed). */
export interface SettleCriteria {
  samples: number;
  genderConfidence: number;
  ageSpread: number;
}

/** Collects one track's samples (the last `window` for age, all for the vote). */
export class DemographicsSmoother {
  private readonly ages: number[] = [];
  private maleVotes = 0;
  private femaleVotes = 0;
  private maleProbSum = 0;
  private femaleProbSum = 0;

  constructor(private readonly window = 15) {}

  get samples(): number {
    return this.maleVotes + this.femaleVotes;
  }

  add(sample: AgeGender): void {
    this.ages.push(sample.age);
    if (this.ages.length > this.window) this.ages.shift();
    if (sample.male >= 0.5) {
      this.maleVotes++;
      this.maleProbSum += sample.male;
    } else {
      this.femaleVotes++;
      this.femaleProbSum += 1 - sample.male;
    }
  }

  /**
   * Whether more samples would hardly change the estimate: enough samples, a clear gender vote and ages
   * that agree. A borderline track never settles and keeps sampling up to its window.
   */
  settled(criteria: SettleCriteria): boolean {
    const value = this.value();
    return (
      value !== undefined &&
      value.samples >= criteria.samples &&
      value.genderConfidence >= criteria.genderConfidence &&
      trimmedSpread(this.ages) <= criteria.ageSpread
    );
  }

  /** The smoothed values, or undefined before the first sample. */
  value(): Demographics | undefined {
    if (this.samples === 0) return undefined;
    const male = this.maleVotes >= this.femaleVotes;
    const votes = male ? this.maleVotes : this.femaleVotes;
    const probSum = male ? this.maleProbSum : this.femaleProbSum;
    return {
      gender: male ? 'male' : 'female',
      genderConfidence: Math.round((probSum / votes) * (votes / this.samples) * 1000) / 1000,
      age: Math.round(trimmedMean(this.ages) * 10) / 10,
      samples: this.samples,
    };
  }
}

/** Folds a track's demographics into its identity's (weighted by samples). */
export function mergeDemographics(identity: Demographics | undefined, track: Demographics): Demographics {
  if (!identity) return { ...track };
  const n = identity.samples + track.samples;
  const maleScore = (d: Demographics) => (d.gender === 'male' ? d.genderConfidence : 1 - d.genderConfidence);
  const male = (maleScore(identity) * identity.samples + maleScore(track) * track.samples) / n;
  return {
    gender: male >= 0.5 ? 'male' : 'female',
    genderConfidence: Math.round((male >= 0.5 ? male : 1 - male) * 1000) / 1000,
    age: Math.round(((identity.age * identity.samples + track.age * track.samples) / n) * 10) / 10,
    samples: n,
  };
}
