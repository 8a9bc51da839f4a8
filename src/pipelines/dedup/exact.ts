/**
 * Stage 0, exact duplicates: files are bucketed by size first (free, from the scan) and only files that
 * share a size are content-hashed, so unique sizes, the common case, cost no reading at all.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { ScanEntry } from './types';

/** Bytes read per step when hashing a file: the memory one file in flight holds. */
const HASH_CHUNK = 1 << 20;

/**
 * Streams a file through a hash (sha1 by default) and returns the hex digest. `buffer` is the read buffer
 * (default: a new 1 MiB one); to hash many files, reuse one per file in flight: a fresh 1 MiB buffer per
 * small file cost several times the hashing itself in garbage collection (measured in the hash worker).
 */
export async function hashFileContent(
  file: string,
  algorithm = 'sha1',
  buffer: Buffer = Buffer.allocUnsafe(HASH_CHUNK),
): Promise<string> {
  const h = createHash(algorithm);
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      h.update(buffer.subarray(0, bytesRead));
    }
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  } finally {
    await handle?.close();
  }
  return h.digest('hex');
}

/** One file's content hash, or why it could not be read. */
export type FileHashResult =
  { path: string; ok: true; hash: string } | { path: string; ok: false; error: string };

/**
 * Content hashes (sha1 hex) of several files, `lanes` of them streamed at a time, each lane through one
 * read buffer: memory stays at `lanes` buffers whatever the files' sizes. Never throws: a file that cannot
 * be read gets its error message, the others their hashes. Results are in the order of `paths`.
 */
export async function hashFiles(paths: readonly string[], lanes = 2): Promise<FileHashResult[]> {
  const out = new Array<FileHashResult>(paths.length);
  let next = 0;
  const lane = async () => {
    const buffer = Buffer.allocUnsafe(HASH_CHUNK);
    while (next < paths.length) {
      const i = next++;
      try {
        out[i] = { path: paths[i], ok: true, hash: await hashFileContent(paths[i], 'sha1', buffer) };
      } catch (err) {
        out[i] = { path: paths[i], ok: false, error: (err as Error).message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, paths.length) }, lane));
  return out;
}

/** Bounds of one batch of files hashed by one pool call. */
export interface HashBatchLimits {
  /** Files per batch. */
  maxFiles: number;
  /** Bytes per batch (scanned sizes), so that no call nears the task timeout; a larger file goes alone. */
  maxBytes: number;
}

/**
 * Cuts entries, in order, into batches within `limits`, one batch per step of the iteration (so a reader
 * pulling batches holds one at a time).
 */
export function* hashBatches<T extends Pick<ScanEntry, 'size'>>(
  entries: Iterable<T>,
  limits: HashBatchLimits,
): Generator<T[], void, undefined> {
  let batch: T[] = [];
  let bytes = 0;
  for (const e of entries) {
    if (batch.length > 0 && (batch.length >= limits.maxFiles || bytes + e.size > limits.maxBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(e);
    bytes += e.size;
  }
  if (batch.length > 0) yield batch;
}

/** Groups entries by byte size; only sizes shared by two or more non-empty files are returned. */
export function sameSizeGroups<T extends Pick<ScanEntry, 'size'>>(entries: Iterable<T>): T[][] {
  const bySize = new Map<number, T[]>();
  for (const e of entries) {
    if (e.size === 0) continue; // empty files are skipped as bad files, not duplicates of each other
    const list = bySize.get(e.size);
    if (list) list.push(e);
    else bySize.set(e.size, [e]);
  }
  return [...bySize.values()].filter((g) => g.length > 1);
}

/** A set of byte-identical files. */
export interface ExactGroup<T> {
  contentHash: string;
  size: number;
  members: T[];
}

export interface ExactDuplicatesResult<T> {
  groups: ExactGroup<T>[];
  /** Files that could not be read while hashing (reported, not thrown). */
  errors: { entry: T; message: string }[];
}

/**
 * Finds byte-identical files: size buckets, then a streamed content hash inside each bucket.
 * `hashFn` is injectable so callers can run hashing in a pool or reuse cached hashes.
 */
export async function findExactDuplicates<T extends Pick<ScanEntry, 'size' | 'path'>>(
  entries: Iterable<T>,
  hashFn: (file: string) => Promise<string> = (f) => hashFileContent(f),
): Promise<ExactDuplicatesResult<T>> {
  const groups: ExactGroup<T>[] = [];
  const errors: { entry: T; message: string }[] = [];
  for (const bucket of sameSizeGroups(entries)) {
    const byHash = new Map<string, T[]>();
    for (const entry of bucket) {
      let digest: string;
      try {
        digest = await hashFn(entry.path);
      } catch (err) {
        errors.push({ entry, message: (err as Error).message });
        continue;
      }
      const list = byHash.get(digest);
      if (list) list.push(entry);
      else byHash.set(digest, [entry]);
    }
    for (const [contentHash, members] of byHash) {
      if (members.length > 1) groups.push({ contentHash, size: bucket[0].size, members });
    }
  }
  return { groups, errors };
}
