import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db';
import { acquireProcessLock, LockHeldError, takeoverClaimFile } from '../../src/db/process-lock';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rxv-lock-'));

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const ran = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(ran.stdout);
}

describe('acquireProcessLock', () => {
  it('records the holder, refuses a second holder naming it, and is free again after release', () => {
    const file = path.join(tmp(), 'x.lock');
    const lock = acquireProcessLock(file, 'folder x');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    // A live holder (here: a lock file written for this test's parent, which is alive).
    const other = path.join(tmp(), 'y.lock');
    writeFileSync(other, JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'then' }));
    expect(() => acquireProcessLock(other, 'folder y')).toThrow(LockHeldError);
    expect(() => acquireProcessLock(other, 'folder y')).toThrow(
      `folder y is in use by process ${process.ppid}`,
    );
    lock.release();
    expect(existsSync(file)).toBe(false);
    acquireProcessLock(file, 'folder x').release();
  });

  it('takes over a lock left by a process that died', () => {
    const file = path.join(tmp(), 'z.lock');
    writeFileSync(file, JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'then' }));
    const lock = acquireProcessLock(file, 'folder z');
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});

/**
 * Runs `count` processes that all try, at the same instant, to take `file` (from dist: build first). A
 * holder keeps the lock until every process has answered (then its stdin closes), so that a late starter
 * cannot take a lock already released. Resolves with each process's answer.
 */
async function raceForLock(file: string, count: number): Promise<string[]> {
  const lockModule = path.resolve(__dirname, '../../dist/src/db/process-lock.js');
  const at = Date.now() + 1500; // every child loaded and waiting by then, even on a loaded machine
  const script = `
    const { acquireProcessLock } = require(${JSON.stringify(lockModule)});
    while (Date.now() < ${at});
    let lock;
    try { lock = acquireProcessLock(${JSON.stringify(file)}, 'raced'); } catch (e) {
      process.stdout.write(e.name === 'LockHeldError' ? 'busy' : 'error ' + e.message);
      process.exit(0);
    }
    process.stdout.write('held');
    process.stdin.on('end', () => lock.release()).resume();
  `;
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const answers = await Promise.all(
    children.map(
      (child) =>
        new Promise<string>((resolve, reject) => {
          child.stdout.once('data', (d: Buffer) => resolve(d.toString()));
          child.on('error', reject);
          child.on('exit', (code) => resolve(`exited (${code}) without answering`));
        }),
    ),
  );
  await Promise.all(
    children.map((child) => {
      child.stdin.end();
      return new Promise((resolve) => (child.exitCode === null ? child.on('exit', resolve) : resolve(null)));
    }),
  );
  return answers;
}

describe('stale-lock takeover race', () => {
  it("gives a dead process's lock to exactly one of several processes taking it over at once", async () => {
    const dir = tmp();
    const rounds = 12;
    const holders: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const file = path.join(dir, `race-${round}.lock`);
      writeFileSync(file, JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'then' }));
      const answers = await raceForLock(file, 4);
      expect(answers.filter((a) => a !== 'held' && a !== 'busy')).toEqual([]);
      holders.push(answers.filter((a) => a === 'held').length);
    }
    expect(holders).toEqual(Array.from({ length: rounds }, () => 1));
  }, 120_000);

  it('is not blocked by a takeover that a crashed process left half done', () => {
    const file = path.join(tmp(), 'claimed.lock');
    const dead = { pid: deadPid(), host: hostname(), startedAt: 'then' };
    writeFileSync(file, JSON.stringify(dead));
    // A claim of generation 0 written by a process that then died before finishing its takeover.
    const claim = takeoverClaimFile(file, dead, 0);
    writeFileSync(claim, JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'then' }));
    const lock = acquireProcessLock(file, 'folder c');
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(path.dirname(file))).toEqual(['claimed.lock']); // claims cleaned up
    lock.release();
  });

  it('leaves a takeover to the live process that claimed it', () => {
    const file = path.join(tmp(), 'busy.lock');
    const dead = { pid: deadPid(), host: hostname(), startedAt: 'then' };
    writeFileSync(file, JSON.stringify(dead));
    writeFileSync(
      takeoverClaimFile(file, dead, 0),
      JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'now' }),
    );
    expect(() => acquireProcessLock(file, 'folder b')).toThrow(LockHeldError);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(dead.pid);
  });
});

describe('openDatabase on a PGlite folder', () => {
  it('shares one instance per folder in a process: closing one handle leaves the other working', async () => {
    const dataDir = path.join(tmp(), 'db');
    const a = await openDatabase({ dataDir });
    const b = await openDatabase({ dataDir });
    try {
      expect(a.db).toBe(b.db);
      await a.migrate();
      await a.close();
      expect(existsSync(`${dataDir}.lock`)).toBe(true);
      expect(typeof (await b.id())).toBe('string');
    } finally {
      await b.close();
    }
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('refuses a folder another process holds, naming that process', async () => {
    const dataDir = path.join(tmp(), 'db');
    writeFileSync(
      `${dataDir}.lock`,
      JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: 'then' }),
    );
    await expect(openDatabase({ dataDir })).rejects.toThrow(`in use by process ${process.ppid}`);
  });
});
