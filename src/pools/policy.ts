/** Timeout policies of pools (a leaf module: the config schema imports it without loading the pool). */

/**
 * What a pool does with the worker of a task that timed out (the task itself is rejected at once either way):
 * - 'terminate': terminate the worker and start a replacement. Right for pure-JS workers: it also frees a
 *   thread stuck in an endless loop.
 * - 'abandon': leave the worker to finish the task. It takes no new task until then, its late result is
 *   discarded, and it then goes back into rotation. Needed for workers running onnxruntime-node:
 *   terminating a thread while ORT runs in it aborts the whole process (Napi::Error).
 */
export type TimeoutPolicy = 'terminate' | 'abandon';

/** The timeout policies, for config schemas. */
export const TIMEOUT_POLICIES = ['terminate', 'abandon'] as const satisfies readonly TimeoutPolicy[];
