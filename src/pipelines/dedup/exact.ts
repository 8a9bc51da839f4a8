/**
 * Stage 0, exact duplicates: files are bucketed by size first (free, from the scan) and only files that
 * share a size are content-hashed, so unique sizes, the common case, cost no reading at all.
 */
import type { ScanEntry } from '../../kernels/features/types';
import { hashFileContent, type FileHashResult } from '../../kernels/features/file-hash';

export type { FileHashResult };
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

/** Exact groups from content hashes: files of equal size and hash, two or more (pure). */
export function exactGroupsOf(
  entries: readonly ScanEntry[],
  hashes: ReadonlyMap<string, string>,
): ExactGroup<ScanEntry>[] {
  const byKey = new Map<string, ScanEntry[]>();
  for (const e of entries) {
    const h = hashes.get(e.path);
    if (h === undefined) continue;
    const k = `${e.size}:${h}`;
    const list = byKey.get(k);
    if (list) list.push(e);
    else byKey.set(k, [e]);
  }
  const groups: ExactGroup<ScanEntry>[] = [];
  for (const members of byKey.values()) {
    if (members.length < 2) continue;
    // Scan order (name order) decides the representative, whatever order the pool finished in.
    members.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
    groups.push({ contentHash: hashes.get(members[0].path)!, size: members[0].size, members });
  }
  return groups;
}
