/**
 * Test worker for src/pools: echoes, sums transferred floats, sleeps, throws, crashes and hangs on demand.
 * Not used by pipelines; tests and benchmarks load it from dist/workers/echo.js.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { threadId, workerData } from 'node:worker_threads';
import { declareUnsafeToTerminate, exposeWorker, transferResult } from '../src/pools/expose';

let running = 0;
const initCalls: unknown[][] = [];

function enter(): () => number {
  running++;
  let max = running;
  const timer = setInterval(() => (max = Math.max(max, running)), 1);
  return () => {
    clearInterval(timer);
    max = Math.max(max, running);
    running--;
    return max;
  };
}

const api = {
  /** Runs once per worker, before any task. */
  init(...args: unknown[]): void {
    initCalls.push(args);
  },
  /** What this worker was started with. */
  info(): { threadId: number; pid: number; workerData: unknown; initCalls: unknown[][] } {
    return { threadId, pid: process.pid, workerData, initCalls };
  },
  echo<T>(value: T): T {
    return value;
  },
  /** Sum of a transferred Float32Array's buffer. */
  sum(buffer: ArrayBuffer): number {
    return new Float32Array(buffer).reduce((a, b) => a + b, 0);
  },
  /** Waits `ms`, reporting the most tasks this worker ran at once meanwhile. */
  async sleep(ms: number, tag?: unknown): Promise<{ tag: unknown; threadId: number; maxConcurrent: number }> {
    const leave = enter();
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { tag, threadId, maxConcurrent: leave() };
  },
  fail(message: string): never {
    throw new Error(message);
  },
  async failAsync(message: string): Promise<never> {
    await Promise.resolve();
    throw new Error(message);
  },
  /** Ends the worker thread mid-task. */
  crash(code = 3): void {
    process.exit(code);
  },
  /** Ends the worker thread while it owns a transferred buffer. */
  crashHolding(buffer: ArrayBuffer): void {
    process.exit(buffer.byteLength > 0 ? 5 : 6);
  },
  /** Crashes the first time (creating `marker`), succeeds on the retry. */
  crashOnce(marker: string): string {
    if (!existsSync(marker)) {
      writeFileSync(marker, String(threadId));
      process.exit(4);
    }
    return `survived on ${threadId}`;
  },
  /** Never settles. */
  hang(): Promise<never> {
    return new Promise<never>(() => undefined);
  },
  /** Blocks the thread synchronously, like a stuck native call. */
  block(ms: number): string {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    return 'unblocked';
  },
  /** Blocks like `block`, then writes `marker`: the file exists only if the thread was not terminated meanwhile. */
  blockThenMark(ms: number, marker: string): string {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    writeFileSync(marker, String(threadId));
    return 'marked';
  },
  /** Answers, then throws an uncaught exception outside any task. */
  uncaught(): string {
    setTimeout(() => {
      throw new Error('boom outside a task');
    }, 1);
    return 'answered';
  },
  /** n floats 0..n-1, moved (not copied) to the caller. */
  range(n: number): Float32Array {
    const out = Float32Array.from({ length: n }, (_, i) => i);
    return transferResult(out, [out.buffer as ArrayBuffer]);
  },
  threadId(): number {
    return threadId;
  },
  /** Declares native code that must not be terminated (as a worker loading onnxruntime does). */
  declareNative(reason: string): number {
    declareUnsafeToTerminate(reason);
    return threadId;
  },
};

export type EchoApi = typeof api;

exposeWorker(api);
