import { iou, type Box, type Detection } from '../frame';

/** How overlapping detections are reduced: keep the best one, or blend the cluster (MediaPipe style). */
export type NmsMode = 'hard' | 'weighted';

function byScoreDesc(a: Detection, b: Detection): number {
  return b.score - a.score;
}

/**
 * Classic greedy non-maximum suppression: keeps the highest-scoring detection of every group whose IoU
 * with it exceeds `iouThreshold`. Returns a new array sorted by descending score.
 */
export function hardNms(detections: readonly Detection[], iouThreshold: number): Detection[] {
  const sorted = [...detections].sort(byScoreDesc);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.every((k) => iou(k.box, d.box) <= iouThreshold)) kept.push(d);
  }
  return kept;
}

/**
 * Weighted (blended) NMS as in MediaPipe's face detection: each cluster around the best remaining detection
 * (IoU above `iouThreshold`) becomes one detection whose box and landmarks are the score-weighted mean of
 * the cluster and whose score is the best score. More stable from frame to frame than hard NMS.
 */
export function weightedNms(detections: readonly Detection[], iouThreshold: number): Detection[] {
  let remaining = [...detections].sort(byScoreDesc);
  const out: Detection[] = [];
  while (remaining.length > 0) {
    const best = remaining[0];
    const cluster: Detection[] = [];
    const rest: Detection[] = [];
    for (const d of remaining) (d === best || iou(best.box, d.box) > iouThreshold ? cluster : rest).push(d);
    out.push(blend(best, cluster));
    remaining = rest;
  }
  return out;
}

function blend(best: Detection, cluster: readonly Detection[]): Detection {
  if (cluster.length === 1) return best;
  const total = cluster.reduce((s, d) => s + d.score, 0);
  if (total <= 0) return best;
  const box: Box = [0, 0, 0, 0];
  for (const d of cluster) for (let i = 0; i < 4; i++) box[i] += (d.box[i] * d.score) / total;
  const result: Detection = { box, score: best.score };
  const landmarks = best.landmarks;
  if (landmarks && cluster.every((d) => d.landmarks?.length === landmarks.length)) {
    result.landmarks = landmarks.map((_, k) => {
      let x = 0;
      let y = 0;
      for (const d of cluster) {
        const p = (d.landmarks as Array<[number, number]>)[k];
        x += (p[0] * d.score) / total;
        y += (p[1] * d.score) / total;
      }
      return [x, y];
    });
  } else if (landmarks) {
    result.landmarks = landmarks;
  }
  return result;
}

/** Applies the chosen NMS mode. */
export function nms(
  detections: readonly Detection[],
  iouThreshold: number,
  mode: NmsMode = 'hard',
): Detection[] {
  return mode === 'weighted' ? weightedNms(detections, iouThreshold) : hardNms(detections, iouThreshold);
}
