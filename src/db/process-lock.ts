/**
 * A lock file shared by processes on one machine: created with O_EXCL, it holds the owner's pid, host and
 * start time. A lock left by a process that died (same host, pid gone) is taken over; a live owner makes
 * the acquisition fail with an error naming it. Used for PGlite data folders (PGlite takes no lock of its
 * own: two processes on one folder corrupt it) and for sink spools.
 */
import { hostname } from 'node:os';
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';

/** What a lock file records about its holder. */
export interface LockOwner {
  pid: number;
  host: string;
  /** When the holder took the lock (ISO time). */
  startedAt: string;
}

/** The lock is held by another live process. */
export class LockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly owner: LockOwner | undefined,
    what: string,
  ) {
    super(
      owner
        ? `${what} is in use by process ${owner.pid} on ${owner.host} (since ${owner.startedAt}); lock file ${file}. ` +
            'Stop that process first, or use another folder.'
        : `${what} is locked (lock file ${file} cannot be read); remove it if no process uses ${what}.`,
    );
    this.name = 'LockHeldError';
  }
}

/** A held lock; `release()` removes the file (idempotent). */
export interface ProcessLock {
  readonly file: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock `file` for this process, or throws {@link LockHeldError} (`what` names the guarded thing
 * in the message). A stale lock (holder dead on this host, or unreadable and older than a crash could
 * leave it half-written) is taken over once.
 */
export function acquireProcessLock(file: string, what: string): ProcessLock {
  mkdirSync(path.dirname(file), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          // Only our own lock is removed: a takeover by another process must not be undone.
          if (readOwner(file)?.pid === me.pid) unlinkSync(file);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(file);
      const stale =
        owner !== undefined && owner.host === me.host && owner.pid !== me.pid && !alive(owner.pid);
      if (!stale || attempt > 0) throw new LockHeldError(file, owner, what);
      unlinkSync(file);
    }
  }
}
