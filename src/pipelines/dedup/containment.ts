/**
 * Real-path containment: whether a path, with every symbolic link in it resolved, lies inside a folder.
 * A path-text check alone is not enough: `root/link/x.jpg` reads as inside the root even when `link`
 * points elsewhere. Shared by the scan, the actions and undo.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Whether `p` equals `dir` or lies below it (path text only; both absolute). */
export function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Real path of `p`: of `p` itself when it exists, else of its deepest existing ancestor joined with the
 * missing rest (so destinations not yet created can be checked too).
 */
export async function realPathOf(p: string): Promise<string> {
  const abs = path.resolve(p);
  const missing: string[] = [];
  for (let cur = abs; ;) {
    try {
      return path.join(await fs.realpath(cur), ...missing.reverse());
    } catch (err) {
      const parent = path.dirname(cur);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === cur) throw err;
      missing.push(path.basename(cur));
      cur = parent;
    }
  }
}

/** How `p` relates to the folder whose real path is `realDir`. */
export type Placement =
  /** Inside, and reached without any symbolic link below the folder. */
  | 'inside'
  /** Inside once links are resolved, but reached through a link (the file or a folder above it). */
  | 'via-link'
  /** Resolves to somewhere outside the folder. */
  | 'outside';

/**
 * Where `p` (a path under `dir` as text) really lies relative to `realDir` (the real path of `dir`).
 * Only 'inside' paths are acted on.
 */
export async function placement(dir: string, realDir: string, p: string): Promise<Placement> {
  const abs = path.resolve(p);
  if (!isInside(dir, abs)) return 'outside';
  const real = await realPathOf(abs);
  if (!isInside(realDir, real)) return 'outside';
  return real === path.join(realDir, path.relative(dir, abs)) ? 'inside' : 'via-link';
}

/** An error naming a path outside the folder it must stay in; `code` is 'EOUTSIDE'. */
export class OutsideRootError extends Error {
  readonly code = 'EOUTSIDE';
  constructor(file: string, root: string) {
    super(`${file} resolves outside ${root}; not touched`);
    this.name = 'OutsideRootError';
  }
}
