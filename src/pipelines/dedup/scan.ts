/**
 * Streaming directory scan: yields one record per image file (or per unreadable entry) as it walks, so a
 * collection of millions of files never sits in memory; only the names of the directory being listed do.
 */
import { promises as fs, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import type { ScanError, ScanRecord } from '../../kernels/features/types';
import { isInside } from './containment';

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
  /**
   * Follow symbolic links (default false: links are skipped). Followed links must resolve inside the
   * real path of the root (else an `EOUTSIDE` error record); loops are detected by device+inode and not
   * re-entered. Files found through a link are marked `isSymlink` and never acted on.
   */
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

function loopRecord(root: string, abs: string): ScanError {
  return {
    kind: 'error',
    path: abs,
    relPath: toPosix(path.relative(root, abs)),
    code: 'ELOOP',
    message: `${abs}: symbolic link to an already visited directory, not followed`,
  };
}

/**
 * Walks `root` depth-first in name order and yields image files as `{ kind: 'file', path, relPath, size,
 * mtimeMs, ino, isSymlink }`; symbolic links are skipped unless `followSymlinks`. Unreadable directories/files and symlink loops yield `{ kind: 'error', ... }`; it never throws
 * for file-system problems below the root (nor for an unreadable root: that is one error record too).
 */
export async function* scanImages(rootDir: string, options: ScanOptions = {}): AsyncGenerator<ScanRecord> {
  const root = path.resolve(rootDir);
  const follow = options.followSymlinks ?? false;
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
  const realRoot = follow ? await fs.realpath(root) : root;
  /** Folders still to walk, and whether each was reached through a link. */
  type Pending = { dir: string; viaLink: boolean; key?: string };
  const stack: Pending[] = [{ dir: root, viaLink: false }];
  // Folders reached through links are walked after every folder reachable without one, so a folder
  // linked from a name sorting first is still found under its own path (and its files can be acted on).
  const viaLinks: Pending[] = [];
  while (stack.length > 0 || viaLinks.length > 0) {
    if (stack.length === 0) stack.push(...viaLinks.splice(0).reverse());
    const { dir, viaLink, key: dirKey } = stack.pop()!;
    if (dirKey !== undefined) {
      if (visited.has(dirKey)) {
        yield loopRecord(root, dir);
        continue;
      }
      visited.add(dirKey);
    }
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      yield errorRecord(root, dir, err);
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: Pending[] = [];
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
        // Text inside the root is not enough: the link's real target must be inside the real root.
        const real = await fs.realpath(abs).catch(() => abs);
        if (!isInside(realRoot, real)) {
          yield {
            kind: 'error',
            path: abs,
            relPath: rel,
            code: 'EOUTSIDE',
            message: `${abs}: symbolic link to ${real}, outside the root ${realRoot}; not followed`,
          };
          continue;
        }
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
          if (entry.isSymbolicLink()) yield loopRecord(root, abs);
          continue;
        }
        if (entry.isSymbolicLink()) viaLinks.push({ dir: abs, viaLink: true, key });
        else {
          visited.add(key);
          subdirs.push({ dir: abs, viaLink });
        }
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
      yield {
        kind: 'file',
        path: abs,
        relPath: rel,
        size: stat.size,
        mtimeMs: stat.mtimeMs,
        ino: stat.ino,
        isSymlink: viaLink || entry.isSymbolicLink(),
      };
    }
    // Push in reverse so subdirectories are visited in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
}
