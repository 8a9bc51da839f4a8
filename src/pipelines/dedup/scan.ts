/**
 * Streaming directory scan: yields one record per image file (or per unreadable entry) as it walks, so a
 * collection of millions of files never sits in memory; only the names of the directory being listed do.
 */
import { promises as fs, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { ScanError, ScanRecord } from '../../kernels/features/types';

/**
 * Extensions sharp's prebuilt libvips decodes. Not listed: bmp (libvips needs ImageMagick for it) and
 * heic (HEVC is not in the prebuilt binaries; AVIF-in-HEIF is covered by avif). SVG is a drawing, not a photo.
 */
export const DEFAULT_IMAGE_EXTENSIONS = [
  'jpg',
  'jpeg',
  'jpe',
  'jfif',
  'png',
  'webp',
  'gif',
  'tif',
  'tiff',
  'avif',
] as const;

/** Stat calls in flight per directory. */
const STAT_WINDOW = 32;

export interface ScanOptions {
  /** Globs (matched against the path relative to the root) a file must match; default all. */
  include?: string[];
  /** Globs excluding files and whole directories (a directory matching `dir` or `dir/**` is not entered). */
  exclude?: string[];
  /** Lower-case extensions without the dot; default {@link DEFAULT_IMAGE_EXTENSIONS}. */
  extensions?: readonly string[];
  /** Follow symbolic links (loops are detected by device+inode and not re-entered). Default true. */
  followSymlinks?: boolean;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function errorRecord(root: string, abs: string, err: unknown): ScanError {
  const e = err as NodeJS.ErrnoException;
  return {
    kind: 'error',
    path: abs,
    relPath: toPosix(path.relative(root, abs)),
    code: e.code ?? 'EUNKNOWN',
    message: `${abs}: ${e.message ?? String(err)}`,
  };
}

/**
 * Walks `root` depth-first in name order and yields image files as `{ kind: 'file', path, relPath, size,
 * mtimeMs }`. Unreadable directories/files and symlink loops yield `{ kind: 'error', ... }`; it never throws
 * for file-system problems below the root (nor for an unreadable root: that is one error record too).
 */
export async function* scanImages(rootDir: string, options: ScanOptions = {}): AsyncGenerator<ScanRecord> {
  const root = path.resolve(rootDir);
  const follow = options.followSymlinks ?? true;
  const exts = new Set(
    (options.extensions ?? DEFAULT_IMAGE_EXTENSIONS).map((e) => e.toLowerCase().replace(/^\./, '')),
  );
  const isIncluded = options.include?.length ? picomatch(options.include, { dot: true }) : () => true;
  const isExcluded = options.exclude?.length ? picomatch(options.exclude, { dot: true }) : () => false;
  const dirExcluded = (rel: string) => isExcluded(rel) || isExcluded(rel + '/');

  const visited = new Set<string>();
  let rootStat: Stats;
  try {
    rootStat = await fs.stat(root);
  } catch (err) {
    yield errorRecord(root, root, err);
    return;
  }
  if (!rootStat.isDirectory()) {
    yield { kind: 'error', path: root, relPath: '', code: 'ENOTDIR', message: `${root}: not a directory` };
    return;
  }
  visited.add(`${rootStat.dev}:${rootStat.ino}`);
  const stack: string[] = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      yield errorRecord(root, dir, err);
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    const rels = entries.map((entry) => toPosix(path.relative(root, path.join(dir, entry.name))));
    // Whether the walk below stats entry i (same conditions, checked ahead of it).
    const wantsStat = (i: number): boolean => {
      const entry = entries[i];
      if (entry.isSymbolicLink()) return follow;
      if (entry.isDirectory()) return !dirExcluded(rels[i]);
      if (!entry.isFile()) return false;
      const ext = path.extname(entry.name).slice(1).toLowerCase();
      return exts.has(ext) && isIncluded(rels[i]) && !isExcluded(rels[i]);
    };
    // Stats run up to STAT_WINDOW entries ahead, concurrently (a re-run of a large collection is mostly
    // stat calls); records still come out one by one in name order.
    const stats = new Map<number, Promise<{ stat: Stats } | { error: unknown }>>();
    const startStat = (i: number) =>
      fs.stat(path.join(dir, entries[i].name)).then(
        (stat) => ({ stat }),
        (error: unknown) => ({ error }),
      );
    let prefetched = 0;
    const statAt = async (i: number): Promise<Stats> => {
      for (; prefetched < Math.min(entries.length, i + STAT_WINDOW); prefetched++)
        if (wantsStat(prefetched)) stats.set(prefetched, startStat(prefetched));
      const result = await (stats.get(i) ?? startStat(i));
      stats.delete(i);
      if ('error' in result) throw result.error;
      return result.stat;
    };
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const abs = path.join(dir, entry.name);
      const rel = rels[i];
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let stat: Stats | undefined;
      if (entry.isSymbolicLink()) {
        if (!follow) continue;
        try {
          stat = await statAt(i);
        } catch (err) {
          yield errorRecord(root, abs, err); // dangling link
          continue;
        }
        isDir = stat.isDirectory();
        isFile = stat.isFile();
      }
      if (isDir) {
        if (dirExcluded(rel)) continue;
        try {
          stat ??= await statAt(i);
        } catch (err) {
          yield errorRecord(root, abs, err);
          continue;
        }
        const key = `${stat.dev}:${stat.ino}`;
        if (visited.has(key)) {
          if (entry.isSymbolicLink()) {
            yield {
              kind: 'error',
              path: abs,
              relPath: rel,
              code: 'ELOOP',
              message: `${abs}: symbolic link to an already visited directory, not followed`,
            };
          }
          continue;
        }
        visited.add(key);
        subdirs.push(abs);
        continue;
      }
      if (!isFile) continue;
      const ext = path.extname(entry.name).slice(1).toLowerCase();
      if (!exts.has(ext) || !isIncluded(rel) || isExcluded(rel)) continue;
      try {
        stat ??= await statAt(i);
      } catch (err) {
        yield errorRecord(root, abs, err);
        continue;
      }
      yield { kind: 'file', path: abs, relPath: rel, size: stat.size, mtimeMs: stat.mtimeMs };
    }
    // Push in reverse so subdirectories are visited in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
}
