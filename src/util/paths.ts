import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let cachedRoot: string | undefined;

/**
 * The rxvision package root (the folder holding its package.json), found from this file's location so it
 * works from the TypeScript sources (ts-jest) and from the compiled dist/ alike.
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'rxvision') {
      cachedRoot = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`rxvision package root not found above ${__dirname}`);
    dir = parent;
  }
}

/** Absolute path of a compiled worker entry point (workers/<name>.ts compiled to dist/workers/<name>.js). */
export function workerPath(name: string): string {
  return path.join(packageRoot(), 'dist', 'workers', `${name}.js`);
}

/** The package version from package.json. */
export function packageVersion(): string {
  return JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
}

/**
 * Where fetched assets live: $RXVISION_ASSETS_DIR, else <package root>/assets.
 * Layout: models/blazeface, models/face-api, cascades, samples.
 */
export function assetsDir(): string {
  return process.env.RXVISION_ASSETS_DIR ?? path.join(packageRoot(), 'assets');
}

/** Download cache shared by all clones on this machine: $RXVISION_CACHE_DIR, else ~/.cache/rxvision. */
export function downloadCacheDir(): string {
  const home = process.env.HOME ?? '/tmp';
  return process.env.RXVISION_CACHE_DIR ?? path.join(home, '.cache', 'rxvision');
}
