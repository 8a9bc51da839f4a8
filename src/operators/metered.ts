/**
 * `metered` counts the items passing a point of a pipeline (`rxvision_stage_items_total{direction="out"}`
 * and the in-process `stageStats(stage).outPerSecond`). It preserves demand (./demand.ts), so it may sit
 * between a bounded buffer and `inPool` without turning the link back into push.
 */
import type { MonoTypeOperatorFunction } from 'rxjs';
import { tapDemand } from './demand';
import { StageRecorder } from './internal/stage-recorder';
import type { StageLabels } from './stage-stats';

/** Counts the items passing this point as the output of `stage`. */
export function metered<T>(stage: string, labels?: StageLabels): MonoTypeOperatorFunction<T> {
  return (source) => {
    let recorder: StageRecorder | undefined;
    return tapDemand(source, {
      subscribe: () => {
        recorder = new StageRecorder(stage, labels);
      },
      next: () => recorder?.itemOut(),
    });
  };
}
