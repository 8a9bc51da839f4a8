/**
 * onnxruntime session options for code running inside a pool worker. Pure data (no onnxruntime import),
 * so the pools layer can re-export it without loading the native runtime.
 */

/** Session options for onnxruntime-node inside a pool worker. */
export interface OrtWorkerSessionOptions {
  intraOpNumThreads: number;
  interOpNumThreads: number;
  executionMode: 'sequential';
  graphOptimizationLevel: 'all';
  /** 3 = errors only: hides ORT's "unused initializer" warnings on model load. */
  logSeverityLevel: 3;
}

/**
 * Single-threaded, fully optimised, quiet: the pool already runs one worker per core, so ORT's own thread
 * pools on top would oversubscribe the CPU.
 */
export function ortSessionOptions(): OrtWorkerSessionOptions {
  return {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
}
