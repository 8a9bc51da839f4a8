/**
 * Pool workers in child processes, for native libraries that work in only one thread per process:
 * @u4/opencv4nodejs (the Haar detector) loads in one thread of a process, so N processes run it on N cores.
 * A {@link ProcessWorker} looks to the pool (and to threads.js's `spawn`) like a `worker_threads.Worker`; the
 * child runs the same worker file as a thread would (`workers/process-entry.ts` gives threads.js's worker runtime
 * an IPC port in place of `parentPort`). Messages cross with Node's structured-clone serialization: buffers
 * are copied, not transferred.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { workerPath } from '../util/paths';
import type { ThreadsWorker } from './threads';

type WebListener = (event: { data: unknown }) => void;

/** A child process running a pool worker file, with the surface of a `worker_threads.Worker` the pool uses. */
export class ProcessWorker extends EventEmitter {
  private readonly child: ChildProcess;
  private readonly mapped = new WeakMap<WebListener, (message: unknown) => void>();
  private exited: Promise<number>;
  /** The child's pid (what a thread's `threadId` is for a worker thread). */
  readonly threadId: number;

  constructor(workerFile: string) {
    super();
    const resolved = require.resolve(workerFile); // a missing file fails here, naming it
    this.child = fork(workerPath('process-entry'), [resolved], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.threadId = this.child.pid ?? -1;
    this.child.on('message', (message) => this.emit('message', message));
    this.child.on('error', (error) => this.emit('error', error));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        const status = code ?? (signal ? 1 : 0);
        this.emit('exit', status);
        resolve(status);
      });
    });
  }

  postMessage(message: unknown): void {
    // A message to a child that already exited is lost, as it would be to a terminated thread.
    // (the callback swallows a send racing the child's exit; the exit itself is reported).
    if (this.child.connected) this.child.send(message as object, () => undefined);
  }

  addEventListener(eventName: string, raw: WebListener): void {
    const listener = (message: unknown): void => raw({ data: message });
    this.mapped.set(raw, listener);
    this.on(eventName, listener);
  }

  removeEventListener(eventName: string, raw: WebListener): void {
    this.off(eventName, this.mapped.get(raw) ?? (raw as unknown as (message: unknown) => void));
  }

  /** Kills the child (SIGKILL: a stuck native call cannot be interrupted otherwise) and resolves on exit. */
  terminate(): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** Lets the parent exit while this child still runs. */
  unref(): void {
    this.child.unref();
    this.child.channel?.unref();
  }

  ref(): void {
    this.child.ref();
    this.child.channel?.ref();
  }
}

/** A child-process worker for `absolutePath`, typed as the pool's worker. */
export function createProcessWorker(absolutePath: string): ThreadsWorker {
  return new ProcessWorker(absolutePath) as unknown as ThreadsWorker;
}
