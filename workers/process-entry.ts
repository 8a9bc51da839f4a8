/**
 * Entry of a pool worker in a child process (see process-worker.ts): makes threads.js's worker runtime talk
 * over the IPC channel, then loads the worker file named on the command line, which exposes its API as it
 * would in a thread.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';

/** `parentPort` for threads.js: messages from and to the parent process. */
class IpcPort extends EventEmitter {
  postMessage(message: unknown): void {
    process.send?.(message as object);
  }
}

const workerFile = process.argv[2];
if (!workerFile || !process.send) {
  process.stderr.write(
    'process-entry: start me with fork(<this file>, [<worker file>]) and an IPC channel\n',
  );
  process.exit(2);
}

const port = new IpcPort();
process.on('message', (message) => port.emit('message', message));
// The parent stops its workers itself (after draining); Ctrl-C in a terminal reaches the whole process group.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('disconnect', () => process.exit(0));

// threads.js looks up worker_threads through its dist/worker_threads module at call time (not an exported
// subpath, so found next to the package's main file): hand it a worker's view.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lookup = require(path.join(path.dirname(require.resolve('threads')), 'worker_threads.js')) as {
  default: () => unknown;
};
lookup.default = () => ({ isMainThread: false, parentPort: port, workerData: undefined });

// eslint-disable-next-line @typescript-eslint/no-require-imports
require(workerFile);
