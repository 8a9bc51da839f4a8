/**
 * threads.js installs SIGINT/SIGTERM handlers that terminate all workers and call process.exit. Ours are
 * removed, so a process using pools can still run tasks and flush after a signal and exit on its own.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { removeThreadsSignalHandlers } from '../../src/pools/threads';
import { packageRoot, workerPath } from '../../src/util/paths';

const CHILD = `
const { createPool } = require(${JSON.stringify(path.join(packageRoot(), 'dist/src/pools'))});
const worker = ${JSON.stringify(workerPath('echo'))};
const pool = createPool({ name: 'signals', worker, size: 1 });
// Workers given up on before they sent their init message must not keep the process alive for the
// 10-minute init timeout: one terminated while starting, one that throws while loading.
const starting = createPool({ name: 'starting', worker, size: 1, initTimeoutMs: 600000 });
void starting.terminate();
const broken = createPool({
  name: 'broken', worker: ${JSON.stringify(workerPath('testing/throws-on-load'))}, size: 1, maxStartFailures: 1, initTimeoutMs: 600000,
});
broken.ready().catch(() => undefined);
let signals = 0;
process.on('SIGTERM', async () => {
  signals++;
  console.log('signal ' + signals);
  const result = await pool.run('sleep', [200, 'after-signal']);
  console.log('task ' + result.tag);
  await pool.terminate();
  console.log('closed');
});
pool.ready().then(() => {
  console.log('ready SIGTERM=' + process.listenerCount('SIGTERM') + ' SIGINT=' + process.listenerCount('SIGINT'));
});
`;

describe('signal handling', () => {
  it('lets the process run a task and close its pools after SIGTERM, then exit by itself', async () => {
    const child = spawn(process.execPath, ['-e', CHILD], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RXVISION_LOG_LEVEL: 'fatal' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('ready')) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited before it was ready: ${stderr}`)));
    });
    child.kill('SIGTERM');
    const code = await exited;
    expect(stderr).toBe('');
    expect(stdout.trim().split('\n')).toEqual([
      'ready SIGTERM=1 SIGINT=0',
      'signal 1',
      'task after-signal',
      'closed',
    ]);
    expect(code).toBe(0);
  }, 30_000);

  it('removes only the threads.js handlers', () => {
    const ours = () => undefined;
    // Same shape as the handler threads.js registers.
    const terminateWorkersAndMaster = () => undefined;
    const theirs = () => terminateWorkersAndMaster();
    process.on('SIGINT', ours);
    process.on('SIGINT', theirs);
    try {
      expect(removeThreadsSignalHandlers()).toBe(1);
      expect(process.listeners('SIGINT')).toContain(ours);
      expect(process.listeners('SIGINT')).not.toContain(theirs);
    } finally {
      process.removeListener('SIGINT', ours);
      process.removeListener('SIGINT', theirs);
    }
  });
});
