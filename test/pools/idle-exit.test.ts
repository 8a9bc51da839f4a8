/**
 * An idle pool never keeps a program alive; a busy one does. A script that runs one task on a pool and
 * never closes it must print the result (the workers held the process while the task ran) and then exit
 * by itself (the idle workers did not). This is the handle that once kept jest from exiting after the
 * suite: an image-folder source starts the shared hash pool, and nothing closed it. Real workers from
 * dist/workers in a child Node process: build first.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';

const dist = path.resolve(__dirname, '../../dist');

function runScript(source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Killed after 20 s: a leaked worker shows as a timeout (code null) instead of a hung test.
    execFile(process.execPath, ['-e', source], { timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

const script = (isolation: 'thread' | 'process') => `
  const { createPool } = require(${JSON.stringify(path.join(dist, 'src/pools/pool.js'))});
  const { workerPath } = require(${JSON.stringify(path.join(dist, 'src/util/paths.js'))});
  const pool = createPool({ name: 'idle-exit', worker: workerPath('echo'), size: 2, isolation: '${isolation}' });
  // The task blocks its worker for 1.5 s while the main thread has nothing else to wait for.
  pool.run('block', [1500]).then((r) => console.log('result ' + r));
`;

test.each(['thread', 'process'] as const)(
  'a %s pool holds the process while a task runs and lets it exit once idle',
  async (isolation) => {
    const started = Date.now();
    const { code, stdout, stderr } = await runScript(script(isolation));
    expect({ code, stderr: stderr.split('\n').filter((l) => /error/i.test(l)) }).toEqual({
      code: 0,
      stderr: [],
    });
    expect(stdout).toMatch(/^result /m);
    expect(Date.now() - started).toBeLessThan(20_000);
  },
  60_000,
);
