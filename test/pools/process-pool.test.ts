/**
 * Pools of child processes (`isolation: 'process'`): the same worker files and pool behaviour as threads, one
 * process per worker, so a library that loads in one thread per process (OpenCV) runs on several cores.
 * Needs the compiled workers (`npx tsc -p tsconfig.json`).
 */
import { existsSync } from 'node:fs';
import { filter, firstValueFrom } from 'rxjs';
import { createPool, TaskError, type WorkerPool } from '../../src/pools';
import { haarPool } from '../../src/pools/kinds';
import { closeAllPools } from '../../src/pools/registry';
import { detectorKey } from '../../src/kernels/detectors';
import { createDetector } from '../../src/kernels/detectors/open';
import { workerPath } from '../../src/util/paths';
import type { EchoApi } from '../../workers/echo';
import { sampleImage } from '../camera/detectors/images';

const ECHO = workerPath('echo');
let pool: WorkerPool<EchoApi>;

beforeAll(async () => {
  if (!existsSync(ECHO))
    throw new Error(`${ECHO} is missing: run "npx tsc -p tsconfig.json" before these tests`);
  pool = createPool<EchoApi>({
    name: 'echo-processes',
    worker: ECHO,
    size: 2,
    isolation: 'process',
    initArgs: ['hello'],
  });
  await pool.ready();
});

afterAll(async () => {
  await pool?.terminate();
  await closeAllPools();
});

describe('process pool', () => {
  it('runs each worker in its own child process, after init', async () => {
    const infos = await Promise.all([pool.run('sleep', [300, 'a']), pool.run('sleep', [300, 'b'])]);
    expect(infos.map((i) => i.tag).sort()).toEqual(['a', 'b']);
    const seen = await Promise.all(Array.from({ length: 6 }, () => pool.run('info', [])));
    const pids = new Set(seen.map((i) => i.pid));
    expect(pids.has(process.pid)).toBe(false);
    expect(pids.size).toBe(2);
    expect(seen.every((i) => JSON.stringify(i.initCalls) === JSON.stringify([['hello']]))).toBe(true);
  });

  it('copies typed arrays both ways and reports a worker error as a failed task', async () => {
    const bytes = new Uint8Array([1, 2, 3, 250]);
    expect(await pool.run('echo', [bytes])).toEqual(bytes);
    const floats = new Float32Array([1.5, 2.5, 3]);
    expect(await pool.run('sum', [floats.buffer as ArrayBuffer])).toBeCloseTo(7);
    await expect(pool.run('fail', ['nope'])).rejects.toThrow(TaskError);
    await expect(pool.run('fail', ['nope'])).rejects.toThrow(/nope/);
  });

  it('replaces a killed process and goes on', async () => {
    const [first] = pool.workerIds();
    const before = new Set(
      (await Promise.all(Array.from({ length: 4 }, () => pool.run('info', [])))).map((i) => i.pid),
    );
    const replaced = firstValueFrom(pool.events$.pipe(filter((e) => e.type === 'worker-started')));
    expect(pool.killWorker(first)).toBe(true);
    await expect(pool.run('echo', ['after'])).resolves.toBe('after');
    await replaced;
    const after = new Set(
      (await Promise.all(Array.from({ length: 6 }, () => pool.run('info', [])))).map((i) => i.pid),
    );
    expect(after.size).toBe(2);
    expect([...after].some((pid) => !before.has(pid))).toBe(true);
    expect(pool.stats().restarts).toBeGreaterThanOrEqual(1);
  });
});

describe('haarPool', () => {
  it('detects with OpenCV in two processes at once, as the in-process detector does', async () => {
    const haar = haarPool({ size: 2 });
    await haar.ready();
    const messi = sampleImage('messi5.jpg');
    const key = detectorKey({ type: 'haar' });
    const runs = await Promise.all(
      [0, 1, 2, 3].map(() =>
        haar.run('detect', [key, messi.width, messi.height, messi.data.slice(), null, null]),
      ),
    );
    const local = await (await createDetector({ type: 'haar' })).detect(messi);
    expect(local.length).toBeGreaterThan(0);
    for (const r of runs) expect(r).toEqual(local);
    expect(haar.stats().workers).toBe(2);
  });
});
