/**
 * One channel with default settings on the labelled street clip (bench/lib/tracking-clip.ts, built from
 * Debian data by the test itself): faces of 40-165 px, two crossings, a post, a face leaving and coming
 * back. The defaults were chosen on the tuning seeds; this runs held-out seed 9, which they never saw (the
 * tracking bench runs every held-out seed). Workers load dist/:
 * run `npx tsc -p tsconfig.json` first.
 */
import { HELD_OUT_SEEDS, TUNING_SEEDS, trackingClip } from '../../bench/lib/tracking-clip';
import {
  PREVIOUS_TRACKER,
  runClip,
  scoreTracking,
  replayTracker,
  type TrackingScore,
} from '../../bench/lib/tracking-eval';
import { closeAllPools } from '../../src/pools/registry';

jest.setTimeout(240_000);

const SEED = 9;

describe('tracking clip, one channel, default settings', () => {
  let score: TrackingScore;
  let previous: TrackingScore;

  beforeAll(async () => {
    const clip = await trackingClip(SEED);
    const run = await runClip(clip.file);
    score = scoreTracking(clip.labels, run.results);
    // The same detections through the previous defaults (SORT, no Kalman, ends tentative tracks on a miss,
    // detections >= 0.5), for comparison.
    const confident = run.results.map((r) => ({
      ...r,
      detections: r.detections.filter((d) => d.score >= PREVIOUS_TRACKER.minScore),
    }));
    previous = scoreTracking(clip.labels, replayTracker(confident, PREVIOUS_TRACKER.options));
  });

  afterAll(() => closeAllPools());

  it('reports a seed the defaults were not chosen on', () => {
    expect(HELD_OUT_SEEDS).toContain(SEED);
    expect(TUNING_SEEDS).not.toContain(SEED);
  });

  it('finds the faces of 40 px and more', () => {
    // Measured: recall 0.937, precision 0.955 (detector alone: 0.951 / 0.939). The target is recall
    // >= 0.95 at precision >= 0.95: the recall part is not met (tentative frames before confirmation, boxes
    // of the smallest face under IoU 0.5).
    expect(score.mot.recall).toBeGreaterThanOrEqual(0.92);
    expect(score.mot.precision).toBeGreaterThanOrEqual(0.95);
    expect(score.detector.recall).toBeGreaterThanOrEqual(0.94);
  });

  it('keeps identities: no ID switch, exactly one track per face path', () => {
    // Measured: IDF1 0.946, 0 switches, 6 tracks for 6 paths.
    expect(score.mot.idf1).toBeGreaterThanOrEqual(0.92);
    expect(score.mot.switches).toBe(0);
    expect(score.mot.hypothesisTracks).toBe(score.mot.objectTracks);
    expect(score.oneTrackPerIdentity).toBe(true);
  });

  it('does better than the previous tracker defaults on the same detections', () => {
    expect(score.mot.idf1).toBeGreaterThan(previous.mot.idf1 + 0.1);
    expect(score.mot.switches).toBeLessThan(previous.mot.switches);
  });
});
