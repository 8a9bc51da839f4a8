/**
 * Tracking accuracy on the labelled street clip (bench/lib/tracking-clip.ts): per detector (BlazeFace back,
 * front) one real channel run (detect pool, as fast as possible: its FPS), then the recorded detections
 * replayed through the tracker with each setting (the tracker costs microseconds per frame, so the
 * settings share the detector's FPS). Scores: IDF1, MOTA, ID switches, fragmentations, recall, precision
 * (bench/lib/mot-metrics.ts). Defaults were chosen on seed 1; the table is seed 2.
 */
import { closeAllPools } from '../src/pools/registry';
import type { TrackerOptions } from '../src/pipelines/camera/tracker';
import { fmt } from './lib/measure';
import { trackingClip } from './lib/tracking-clip';
import { replayTracker, runClip, scoreTracking } from './lib/tracking-eval';
import type { BenchDefinition } from './lib/types';

/** The seed the table reports (the defaults were tuned on seed 1). */
const SEED = 2;
const DETECTORS = { back: 'BlazeFace back (256 px, default)', front: 'BlazeFace front (128 px)' } as const;
/** Tracker settings: the defaults, then one feature off at a time, then the previous defaults. */
const SETTINGS: Array<{ name: string; options: TrackerOptions; minScore?: number }> = [
  { name: 'defaults', options: {} },
  { name: 'no Kalman', options: { useKalman: false } },
  { name: 'no low-score pass (trackScore 0)', options: { trackScore: 0 } },
  { name: 'no re-acquisition', options: { reacquireDistance: 0 } },
  { name: 'tentative tracks end on a miss', options: { maxTentativeMissed: 0 } },
  {
    name: 'previous defaults (SORT, no Kalman, maxAge 30, detections >= 0.5)',
    options: { useKalman: false, trackScore: 0, reacquireDistance: 0, maxTentativeMissed: 0, maxAge: 30 },
    minScore: 0.5,
  },
];

interface Row {
  detector: string;
  setting: string;
  idf1: number;
  mota: number;
  switches: number;
  fragmentations: number;
  recall: number;
  precision: number;
  tracks: number;
  paths: number;
  fps: number;
}

async function runCase(caseId: string): Promise<Row[]> {
  const variant = caseId as keyof typeof DETECTORS;
  const clip = await trackingClip(SEED);
  try {
    const run = await runClip(clip.file, { detector: { type: 'blazeface', variant } });
    return SETTINGS.map(({ name, options, minScore }) => {
      const frames = run.results.map((r) => ({
        ...r,
        detections: r.detections.filter((d) => d.score >= (minScore ?? 0)),
      }));
      const score = scoreTracking(clip.labels, replayTracker(frames, options));
      return {
        detector: DETECTORS[variant],
        setting: name,
        idf1: score.mot.idf1,
        mota: score.mot.mota,
        switches: score.mot.switches,
        fragmentations: score.mot.fragmentations,
        recall: score.mot.recall,
        precision: score.mot.precision,
        tracks: score.mot.hypothesisTracks,
        paths: score.mot.objectTracks,
        fps: run.fps,
      };
    });
  } finally {
    await closeAllPools();
  }
}

const pct = (v: number) => `${fmt(v * 100)} %`;

export const tracking: BenchDefinition = {
  name: 'tracking',
  title: 'Tracking accuracy on a labelled street clip (IDF1, MOTA, ID switches)',
  cases: () => Object.keys(DETECTORS),
  caseTimeoutMs: () => 5 * 60_000,
  runCase: (caseId) => runCase(caseId),
  summarize(data) {
    const rows = Object.values(data).flat() as Row[];
    return {
      baseline: 'the previous tracker defaults on the same detections, same run',
      tables: [
        {
          columns: [
            'detector',
            'tracker setting',
            'IDF1',
            'MOTA',
            'ID switches',
            'fragmentations',
            'recall',
            'precision',
            'tracks / paths',
            'FPS (1 channel)',
          ],
          rows: rows.map((r) => [
            r.detector,
            r.setting,
            pct(r.idf1),
            pct(r.mota),
            r.switches,
            r.fragmentations,
            pct(r.recall),
            pct(r.precision),
            `${r.tracks} / ${r.paths}`,
            fmt(r.fps),
          ]),
        },
      ],
      notes: [
        `Clip seed ${SEED} of bench/lib/tracking-clip.ts (300 frames of vtest.avi, 768x576, six face paths of five faces, 40-165 px; two crossings, a post, a face leaving and coming back); the tracker defaults were chosen on seed 1.`,
        'Hypotheses: detections of confirmed tracks; faces under 40 px or less than half visible are ignored; pairs need IoU >= 0.5.',
        'FPS: one channel, pace asap, default detect pool; the tracker settings replay the same detections (the tracker costs microseconds per frame).',
      ],
      data: rows,
    };
  },
};
