import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db';
import { acquireProcessLock, LockHeldError } from '../../src/db/process-lock';

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
