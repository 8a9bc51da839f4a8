import { cameraFaces } from './camera-faces';
import { capacity } from './capacity';
import { cameraScaling } from './camera-scaling';
import { cameraThroughput } from './camera-throughput';
import { clusterBench } from './cluster';
import { coreOverhead } from './core-overhead';
import { externalBenchmarks } from './external';
import { faceSize } from './face-size';
import { haar } from './haar';
import { detectEveryBench } from './detect-every';
import { memory } from './memory';
import { preprocess } from './preprocess';
import { sink } from './sink';
import { tracking } from './tracking';
import type { BenchDefinition } from './lib/types';

/** Every benchmark, in the order a full run executes them (opt-in ones only with --only). */
export const BENCHMARKS: BenchDefinition[] = [
  coreOverhead,
  memory,
  sink,
  preprocess,
  cameraThroughput,
  cameraScaling,
  cameraFaces,
  faceSize,
  tracking,
  haar,
  capacity,
  detectEveryBench,
  clusterBench,
  ...externalBenchmarks,
];
