/**
 * The MOT measures of bench/lib/mot-metrics.ts against known values: the worked examples of py-motmetrics'
 * test suite (MOTA, MOTP, switches; identity counts) and of the CLEAR MOT paper (figure 3), plus small
 * sequences counted by hand (fragmentations, IDF1, ignored objects).
 */
import { MotAccumulator, updateWithBoxes } from '../../bench/lib/mot-metrics';

const NaN_ = Number.NaN;

describe('MotAccumulator', () => {
  it('gives the counts, MOTA and MOTP of py-motmetrics test_mota_motp', () => {
    const acc = new MotAccumulator();
    acc.update([], [1, 2], []); // all false positives
    acc.update([1, 2], [], [[], []]); // all misses
    acc.update(
      [1, 2],
      [1, 2],
      [
        [1, 0.5],
        [0.3, 1],
      ],
    ); // cheapest pairing: 1-2, 2-1
    acc.update(
      [1, 2],
      [1, 2],
      [
        [0.2, NaN_],
        [NaN_, 0.1],
      ],
    ); // both switch
    acc.update(
      [1, 2],
      [1, 2],
      [
        [5, 1],
        [1, 5],
      ],
    ); // a cheaper pairing exists, but the last one still may match: kept
    acc.update([], [], []);
    const s = acc.summary();
    expect(s).toMatchObject({
      matches: 4,
      falsePositives: 2,
      misses: 2,
      switches: 2,
      objects: 8,
      predictions: 8,
      frames: 6,
    });
    expect(s.mota).toBeCloseTo(1 - (2 + 2 + 2) / 8, 10);
    expect(s.motp).toBeCloseTo(11.1 / 6, 10);
  });

  it('counts the switches of py-motmetrics test_ids (MOTA 0.7, MOTP 0.16)', () => {
    const acc = new MotAccumulator();
    acc.update([], [], []);
    acc.update(
      [1, 2],
      [1, 2],
      [
        [1, 0],
        [0, 1],
      ],
    );
    acc.update(
      [1, 2],
      [1, 2],
      [
        [0.4, NaN_],
        [NaN_, 0.4],
      ],
    );
    acc.update(
      [1, 2],
      [1, 2],
      [
        [0, 1],
        [1, 0],
      ],
    );
    acc.update(
      [1, 2],
      [2, 3],
      [
        [1, 0],
        [0.4, 0.7],
      ],
    );
    acc.update(
      [1, 3],
      [2, 3],
      [
        [1, 0],
        [0.4, 0.7],
      ],
    );
    acc.update([], [], []);
    const s = acc.summary();
    expect(s).toMatchObject({ matches: 7, switches: 3, misses: 0, falsePositives: 0, objects: 10 });
    expect(s.mota).toBeCloseTo(0.7, 10);
    expect(s.motp).toBeCloseTo(1.6 / 10, 10);
  });

  it('gives MOTA 0.2 for figure 3 of the CLEAR MOT paper (4 objects missed 4 frames, then 1 tracked 4)', () => {
    const acc = new MotAccumulator();
    for (let k = 0; k < 4; k++) acc.update([1, 2, 3, 4], [], [[], [], [], []]);
    for (let k = 0; k < 4; k++) acc.update([4], [4], [[0]]);
    expect(acc.summary().mota).toBeCloseTo(0.2, 10);
  });

  it('pairs whole trajectories for IDF1 (py-motmetrics test_extract_counts: IDTP 6 of 8 + 8)', () => {
    const acc = new MotAccumulator();
    acc.update([], [1, 2], []);
    acc.update([1, 2], [], [[], []]);
    acc.update(
      [1, 2],
      [1, 2],
      [
        [1, 0.5],
        [0.3, 1],
      ],
    );
    acc.update(
      [1, 2],
      [1, 2],
      [
        [0.2, NaN_],
        [NaN_, 0.1],
      ],
    );
    acc.update(
      [1, 2],
      [1, 2],
      [
        [5, 1],
        [1, 5],
      ],
    );
    // Frames where object and hypothesis may match: (1,1) 3, (1,2) 2, (2,1) 2, (2,2) 3; best pairing 1-1, 2-2.
    const s = acc.summary();
    expect(s.idtp).toBe(6);
    expect(s).toMatchObject({ idfn: 2, idfp: 2 });
    expect(s.idf1).toBeCloseTo(0.75, 10);
    expect(s.idp).toBeCloseTo(0.75, 10);
    expect(s.idr).toBeCloseTo(0.75, 10);
  });

  it('counts fragmentations and mostly tracked/lost objects', () => {
    const acc = new MotAccumulator();
    // Object 1: found, missed, found, missed, missed, found, missed at the end: 2 interruptions inside its
    // tracked span (the trailing miss is not one). Object 2: never found.
    for (const found of [true, false, true, false, false, true, false]) {
      acc.update([1, 2], found ? [9] : [], found ? [[0.1], [NaN_]] : [[], []]);
    }
    const s = acc.summary();
    expect(s.fragmentations).toBe(2);
    expect(s).toMatchObject({ mostlyTracked: 0, partiallyTracked: 1, mostlyLost: 1, switches: 0 });
    expect(s.recall).toBeCloseTo(3 / 14, 10);
    expect(s.precision).toBe(1);
  });

  it('one hypothesis per object all along: IDF1, MOTA, recall and precision 1', () => {
    const acc = new MotAccumulator();
    for (let k = 0; k < 10; k++) {
      updateWithBoxes(
        acc,
        [
          { id: 'a', box: [k, 0, k + 50, 50] },
          { id: 'b', box: [200 - k, 0, 250 - k, 50] },
        ],
        [
          { id: 7, box: [k + 2, 1, k + 52, 51] },
          { id: 8, box: [201 - k, 0, 251 - k, 50] },
        ],
      );
    }
    expect(acc.summary()).toMatchObject({ idf1: 1, mota: 1, recall: 1, precision: 1, switches: 0 });
  });

  it('drops ignored objects with the hypotheses on them; an IoU under 0.5 does not match', () => {
    const acc = new MotAccumulator();
    updateWithBoxes(
      acc,
      [
        { id: 'a', box: [0, 0, 50, 50] },
        { id: 'b', box: [100, 0, 150, 50], ignore: true },
      ],
      [
        { id: 1, box: [30, 0, 80, 50] }, // IoU 0.25 with a: a miss and a false positive
        { id: 2, box: [101, 0, 151, 50] }, // on the ignored object: dropped
      ],
    );
    expect(acc.summary()).toMatchObject({ objects: 1, predictions: 1, misses: 1, falsePositives: 1 });
  });
});
