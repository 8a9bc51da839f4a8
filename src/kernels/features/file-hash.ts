/**
 * Content hashes of whole files (stage 0's exact-duplicate key), streamed through one reusable buffer
 * per file in flight. Runs inside the hash worker.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

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
