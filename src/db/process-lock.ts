/**
 * A lock file shared by processes on one machine: created with O_EXCL, it holds the owner's pid, host and
 * start time. A lock left by a process that died (same host, pid gone) is taken over; a live owner makes
 * the acquisition fail with an error naming it. Takeover is atomic: of several processes finding the same
 * dead holder at once, one gets the lock and the others see it held. Used for PGlite data folders (PGlite takes no lock of its
 * own: two processes on one folder corrupt it) and for sink spools.
 */
import { hostname } from 'node:os';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
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

/** Creates `file` holding `owner` only if it does not exist yet (O_EXCL); false when it does. */
function createExclusive(file: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

function sameOwner(a: LockOwner | undefined, b: LockOwner): boolean {
  return a !== undefined && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
}

/** How long a claim file may stay unreadable (being written) before its writer is taken for dead. */
const HALF_WRITTEN_MS = 10_000;

/**
 * The file that claims the takeover of `stale`'s lock. Generation n is used once the claimants of
 * generations 0..n-1 died mid-takeover: claims are removed only by their own writer, so no process can
 * remove a claim another one still holds.
 */
export function takeoverClaimFile(file: string, stale: LockOwner, generation: number): string {
  return `${file}.takeover-${stale.pid}-${Date.parse(stale.startedAt) || 0}-${generation}`;
}

/** True when the claimant of `claim` died (same host, pid gone) or never finished writing it. */
function deadClaim(claim: string, host: string): boolean {
  const claimant = readOwner(claim);
  if (claimant) return claimant.host === host && !alive(claimant.pid);
  try {
    return Date.now() - statSync(claim).mtimeMs > HALF_WRITTEN_MS;
  } catch {
    return false; // removed meanwhile: its writer finished
  }
}

/**
 * Removes the lock `file` of the dead `stale` owner, if this process is the one to take it over: under an
 * exclusive claim, and only if the file still names `stale` (a process that read the same dead owner
 * earlier finds the new holder there and backs off). False: another process takes it over or did.
 */
function removeStaleLock(file: string, stale: LockOwner, me: LockOwner): boolean {
  for (let generation = 0; ; generation++) {
    const claim = takeoverClaimFile(file, stale, generation);
    if (!createExclusive(claim, me)) {
      if (deadClaim(claim, me.host)) continue;
      return false;
    }
    try {
      for (let older = 0; older < generation; older++)
        rmSync(takeoverClaimFile(file, stale, older), { force: true });
      const current = readOwner(file);
      // Gone: another process finished a takeover and released; race for it with O_EXCL like any taker.
      // Unreadable: a new holder is writing it. Never removed unless it still names the dead owner.
      if (current === undefined) return !existsSync(file);
      if (!sameOwner(current, stale)) return false;
      unlinkSync(file);
      return true;
    } finally {
      unlinkSync(claim);
    }
  }
}

/**
 * Takes the lock `file` for this process, or throws {@link LockHeldError} (`what` names the guarded thing
 * in the message). A stale lock (holder dead on this host) is taken over once, atomically: when several
 * processes find the same dead holder at once, exactly one of them gets the lock (see removeStaleLock).
 */
export function acquireProcessLock(file: string, what: string): ProcessLock {
  mkdirSync(path.dirname(file), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    if (createExclusive(file, me)) {
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
    }
    const owner = readOwner(file);
    const stale = owner !== undefined && owner.host === me.host && owner.pid !== me.pid && !alive(owner.pid);
    if (!stale || attempt > 0 || !removeStaleLock(file, owner, me)) {
      throw new LockHeldError(file, readOwner(file) ?? owner, what);
    }
  }
}
