/**
 * Standard multi-object-tracking measures: CLEAR MOT (MOTA, MOTP, ID switches, fragmentations; Bernardin &
 * Stiefelhagen 2008) and the identity measures (IDF1, IDP, IDR; Ristani et al. 2016), as MOTChallenge and
 * py-motmetrics define them. No npm package implements them, so this is a small one, checked against the
 * known values of published examples in test/bench/mot-metrics.test.ts.
 *
 * Per frame, objects (ground truth) and hypotheses (tracker output) are paired by a distance; NaN means the
 * pair may not match (e.g. IoU under 0.5). An object keeps the hypothesis it had if they still may match;
 * the others are paired at minimum total distance; an object paired with another hypothesis than its last
 * one is an ID switch. IDF1 pairs whole trajectories once for the sequence (the pairing with the most
 * frames in common) and counts the frames that agree with it.
 */
import { iou, type Box } from '../../src/kernels/frame';
import { hungarian } from '../../src/pipelines/camera/tracker/hungarian';

/** Cost of a pair that may not match in the assignment (far above any distance). */
const FORBIDDEN = 1e12;

/** Identity of an object or hypothesis trajectory. */
export type TrackKey = number | string;

/** Sums over a sequence; {@link motSummary} derives the measures. */
export interface MotCounts {
  frames: number;
  /** Object occurrences (ground truth entries over all frames). */
  objects: number;
  /** Hypothesis occurrences. */
  predictions: number;
  /** Pairs that continue the object's last hypothesis or pair it for the first time. */
  matches: number;
  /** Pairs where the object's hypothesis changed (also counted as found). */
  switches: number;
  misses: number;
  falsePositives: number;
  /** Sum of the distances of all pairs (matches and switches), for MOTP. */
  distance: number;
  /** Interruptions of tracked objects: tracked -> not tracked -> tracked again. */
  fragmentations: number;
  /** Objects tracked in >= 80 % / 20-80 % / < 20 % of their frames. */
  mostlyTracked: number;
  partiallyTracked: number;
  mostlyLost: number;
  /** Identity true positives: frames that agree with the best one-to-one trajectory pairing. */
  idtp: number;
  /** Distinct object and hypothesis trajectories. */
  objectTracks: number;
  hypothesisTracks: number;
}

/** The measures, as fractions (MOTA may be negative). */
export interface MotSummary extends MotCounts {
  mota: number;
  /** Mean distance of the pairs (for IoU pairing with distance 1 - IoU: lower is better). */
  motp: number;
  idf1: number;
  idp: number;
  idr: number;
  idfp: number;
  idfn: number;
  recall: number;
  precision: number;
}

/** Collects frames; {@link MotAccumulator.summary} gives the measures. */
export class MotAccumulator {
  private frames = 0;
  private objects = 0;
  private predictions = 0;
  private matches = 0;
  private switches = 0;
  private misses = 0;
  private falsePositives = 0;
  private distance = 0;
  /** Each object's last paired hypothesis. */
  private readonly last = new Map<TrackKey, TrackKey>();
  /** Per object, whether it was found in each of its frames, in order. */
  private readonly found = new Map<TrackKey, boolean[]>();
  private readonly hypothesisKeys = new Set<TrackKey>();
  /** Frames in which an object and a hypothesis may match, per object then hypothesis. */
  private readonly together = new Map<TrackKey, Map<TrackKey, number>>();

  /**
   * Adds one frame: `distances[i][j]` between `objects[i]` and `hypotheses[j]`, NaN where they may not
   * match. Returns the pairs made, as [object index, hypothesis index].
   */
  update(
    objects: readonly TrackKey[],
    hypotheses: readonly TrackKey[],
    distances: readonly (readonly number[])[],
  ): Array<[number, number]> {
    this.frames++;
    this.objects += objects.length;
    this.predictions += hypotheses.length;
    for (const h of hypotheses) this.hypothesisKeys.add(h);
    const allowed = (i: number, j: number) => !Number.isNaN(distances[i][j]);
    objects.forEach((o, i) => {
      let row = this.together.get(o);
      if (!row) this.together.set(o, (row = new Map()));
      hypotheses.forEach((h, j) => {
        if (allowed(i, j)) row.set(h, (row.get(h) ?? 0) + 1);
      });
    });

    const objectPair = new Array<number>(objects.length).fill(-1);
    const hypothesisTaken = new Array<boolean>(hypotheses.length).fill(false);
    // Continue last frame's correspondences where still allowed.
    objects.forEach((o, i) => {
      const h = this.last.get(o);
      if (h === undefined) return;
      const j = hypotheses.indexOf(h);
      if (j >= 0 && !hypothesisTaken[j] && allowed(i, j)) {
        objectPair[i] = j;
        hypothesisTaken[j] = true;
      }
    });
    // Pair the rest at minimum total distance.
    const rows = objects.map((_, i) => i).filter((i) => objectPair[i] < 0);
    const cols = hypotheses.map((_, j) => j).filter((j) => !hypothesisTaken[j]);
    const fresh = new Set<number>();
    if (rows.length > 0 && cols.length > 0) {
      const forbidden = FORBIDDEN;
      const cost = rows.map((i) => cols.map((j) => (allowed(i, j) ? distances[i][j] : forbidden)));
      hungarian(cost).forEach((c, r) => {
        if (c < 0 || cost[r][c] >= forbidden) return;
        objectPair[rows[r]] = cols[c];
        hypothesisTaken[cols[c]] = true;
        fresh.add(rows[r]);
      });
    }

    const pairs: Array<[number, number]> = [];
    objects.forEach((o, i) => {
      const j = objectPair[i];
      let history = this.found.get(o);
      if (!history) this.found.set(o, (history = []));
      history.push(j >= 0);
      if (j < 0) {
        this.misses++;
        return;
      }
      const previous = this.last.get(o);
      if (fresh.has(i) && previous !== undefined && previous !== hypotheses[j]) this.switches++;
      else this.matches++;
      this.distance += distances[i][j];
      this.last.set(o, hypotheses[j]);
      pairs.push([i, j]);
    });
    this.falsePositives += hypothesisTaken.filter((t) => !t).length;
    return pairs;
  }

  /** The sums so far. */
  counts(): MotCounts {
    let fragmentations = 0;
    let mostlyTracked = 0;
    let partiallyTracked = 0;
    let mostlyLost = 0;
    for (const history of this.found.values()) {
      const first = history.indexOf(true);
      const lastFound = history.lastIndexOf(true);
      for (let k = first + 1; first >= 0 && k <= lastFound; k++) {
        if (history[k - 1] && !history[k]) fragmentations++;
      }
      const ratio = history.filter(Boolean).length / history.length;
      if (ratio >= 0.8) mostlyTracked++;
      else if (ratio >= 0.2) partiallyTracked++;
      else mostlyLost++;
    }
    return {
      frames: this.frames,
      objects: this.objects,
      predictions: this.predictions,
      matches: this.matches,
      switches: this.switches,
      misses: this.misses,
      falsePositives: this.falsePositives,
      distance: this.distance,
      fragmentations,
      mostlyTracked,
      partiallyTracked,
      mostlyLost,
      idtp: this.identityTruePositives(),
      objectTracks: this.found.size,
      hypothesisTracks: this.hypothesisKeys.size,
    };
  }

  /** The measures so far. */
  summary(): MotSummary {
    return motSummary(this.counts());
  }

  /** IDTP: frames in common under the one-to-one trajectory pairing that has the most of them. */
  private identityTruePositives(): number {
    const objects = [...this.together.keys()];
    const hypotheses = [...this.hypothesisKeys];
    if (objects.length === 0 || hypotheses.length === 0) return 0;
    const cost = objects.map((o) => hypotheses.map((h) => -(this.together.get(o)?.get(h) ?? 0)));
    return -hungarian(cost).reduce((sum, c, r) => sum + (c >= 0 ? cost[r][c] : 0), 0);
  }
}

/** The measures from the sums (NaN where a denominator is 0). */
export function motSummary(c: MotCounts): MotSummary {
  const found = c.matches + c.switches;
  const idfn = c.objects - c.idtp;
  const idfp = c.predictions - c.idtp;
  const div = (a: number, b: number) => (b === 0 ? Number.NaN : a / b);
  return {
    ...c,
    mota: 1 - div(c.misses + c.switches + c.falsePositives, c.objects),
    motp: div(c.distance, found),
    idf1: div(2 * c.idtp, c.objects + c.predictions),
    idp: div(c.idtp, c.predictions),
    idr: div(c.idtp, c.objects),
    idfp,
    idfn,
    recall: div(found, c.objects),
    precision: div(found, c.predictions),
  };
}

/** A labelled box of one frame. `ignore`: neither required nor a false positive (e.g. mostly hidden). */
export interface LabelledBox {
  id: TrackKey;
  box: Box;
  ignore?: boolean;
}

/**
 * Adds one frame of boxes, paired by IoU >= `minIou` (distance 1 - IoU). Hypotheses that pair with an
 * ignored object (found first, at minimum total distance over all objects) are dropped with it, as the
 * MOTChallenge evaluation does with its distractors. Returns the pairs made, as [object id, hypothesis id].
 */
export function updateWithBoxes(
  acc: MotAccumulator,
  truth: readonly LabelledBox[],
  hypotheses: readonly LabelledBox[],
  minIou = 0.5,
): Array<[TrackKey, TrackKey]> {
  const distance = (a: Box, b: Box) => {
    const overlap = iou(a, b);
    return overlap >= minIou ? 1 - overlap : Number.NaN;
  };
  let hyps = hypotheses;
  if (truth.some((t) => t.ignore) && hyps.length > 0) {
    const cost = truth.map((t) => hyps.map((h) => distance(t.box, h.box)));
    const assigned = hungarian(cost.map((row) => row.map((d) => (Number.isNaN(d) ? FORBIDDEN : d))));
    const dropped = new Set<number>();
    assigned.forEach((j, i) => {
      if (j >= 0 && truth[i].ignore && !Number.isNaN(cost[i][j])) dropped.add(j);
    });
    hyps = hyps.filter((_, j) => !dropped.has(j));
  }
  const kept = truth.filter((t) => !t.ignore);
  const pairs = acc.update(
    kept.map((t) => t.id),
    hyps.map((h) => h.id),
    kept.map((t) => hyps.map((h) => distance(t.box, h.box))),
  );
  return pairs.map(([i, j]) => [kept[i].id, hyps[j].id]);
}
