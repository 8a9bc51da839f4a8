/**
 * Where an installed asset lives on disk. Kept apart from the fetch machinery (npm/Debian sources,
 * archives, stamps) so that worker-side kernels can resolve a model path without loading it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { assetsDir } from '../util/paths';
import { AssetMissingError } from './errors';
import { assetSpec, type AssetId } from './manifest';

/**
 * Absolute path of an installed asset folder, or of one file in it (relative to the folder, e.g.
 * `assetPath('cascades', 'haarcascades/haarcascade_frontalface_default.xml')`). Throws
 * {@link AssetMissingError} (telling the user to run `pipeline assets fetch`) when it is not there.
 */
export function assetPath(id: AssetId, file?: string): string {
  const spec = assetSpec(id);
  const dir = path.join(assetsDir(), spec.dir);
  if (file !== undefined) {
    const target = path.resolve(dir, file);
    if (!target.startsWith(dir + path.sep)) throw new Error(`asset ${id}: file "${file}" is outside ${dir}`);
    if (!existsSync(target)) throw new AssetMissingError(id, target);
    return target;
  }
  const missing = spec.files.find((f) => !existsSync(path.join(dir, f.path)));
  if (missing) throw new AssetMissingError(id, path.join(dir, missing.path));
  return dir;
}
